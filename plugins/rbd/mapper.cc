#include "plugins/rbd/mapper.h"

#include <sys/stat.h>

#include <filesystem>
#include <fstream>
#include <stdexcept>

namespace bulkhead::rbd {

CephToolArgs CephToolArgsFor(const ConfigSection& ceph, const std::string& state_dir) {
  std::string conf = ceph.String("conf_file");
  std::string keyring = ceph.String("keyring");
  if (conf.empty()) {
    conf = state_dir + "/ceph.conf";
    const mode_t previous = ::umask(077);
    if (keyring.empty() && !ceph.String("key").empty()) {
      keyring = state_dir + "/ceph.keyring";
      std::ofstream(keyring) << "[client." << ceph.String("user")
                             << "]\n\tkey = " << ceph.String("key") << "\n";
    }
    std::ofstream(conf) << "[global]\n\tmon host = " << ceph.String("mon_host") << "\n";
    ::umask(previous);
  }
  CephToolArgs tools{{"-c", conf, "--id", ceph.String("user")}};
  if (!keyring.empty()) tools.args.insert(tools.args.end(), {"--keyring", keyring});
  return tools;
}

std::unique_ptr<Mapper> MakeMapper(const std::string& kind, const CephToolArgs& ceph,
                                   const std::string& state_dir) {
  namespace fs = std::filesystem;
  std::string chosen = kind;
  if (kind == "auto") {
    if (fs::exists("/sys/bus/rbd/add_single_major")) {
      chosen = "krbd";
    } else if (fs::exists("/sys/module/nbd") || fs::exists("/dev/nbd0")) {
      chosen = "nbd";
    } else if (fs::exists("/dev/fuse")) {
      chosen = "fuse";
    } else {
      throw std::runtime_error(
          "no way to map RBD images on this host: no rbd or nbd kernel module and no /dev/fuse");
    }
  }
  if (chosen == "krbd") return MakeKrbdMapper(ceph);
  if (chosen == "nbd") return MakeNbdMapper(ceph);
  if (chosen == "fuse") return MakeFuseMapper(ceph, state_dir);
  throw std::invalid_argument("unknown mapper \"" + kind + "\" (auto, krbd, nbd, fuse)");
}

}  // namespace bulkhead::rbd
