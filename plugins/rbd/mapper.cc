#include "plugins/rbd/mapper.h"

#include <filesystem>
#include <stdexcept>

namespace bulkhead::rbd {

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
