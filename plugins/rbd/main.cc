// bulkhead-rbd: the rbd volume plugin's server, and its operator subcommands.
//
//   bulkhead-rbd                 serve docker.volumedriver/1.0 on $BULKHEAD_SOCKET
//   bulkhead-rbd resize NAME SIZE  grow a volume (its filesystem grows on the next mount)
#include <spdlog/spdlog.h>
#include <sys/stat.h>

#include <filesystem>
#include <fstream>
#include <iostream>

#include "common/ceph_cluster.h"
#include "common/config.h"
#include "common/plugin_server.h"
#include "plugins/rbd/mapper.h"
#include "plugins/rbd/rbd_settings.h"
#include "plugins/rbd/rbd_volume_driver.h"

namespace {

using bulkhead::ConfigSection;

// The arguments helper programs (rbd-fuse, rbd, rbd-nbd) need to reach the same cluster. Given
// mon_host + key, a private ceph.conf and keyring are written to the state dir (mode 0600), so
// the key never appears on a command line.
bulkhead::rbd::CephToolArgs ToolArgs(const ConfigSection& ceph, const std::string& state_dir) {
  bulkhead::rbd::CephToolArgs tools;
  std::string conf = ceph.String("conf_file");
  std::string keyring = ceph.String("keyring");
  if (conf.empty()) {
    conf = state_dir + "/ceph.conf";
    if (keyring.empty() && !ceph.String("key").empty()) {
      keyring = state_dir + "/ceph.keyring";
      ::umask(077);
      std::ofstream(keyring) << "[client." << ceph.String("user")
                             << "]\n\tkey = " << ceph.String("key") << "\n";
    }
    std::ofstream(conf) << "[global]\n\tmon host = " << ceph.String("mon_host") << "\n";
  }
  tools.args = {"-c", conf, "--id", ceph.String("user")};
  if (!keyring.empty()) tools.args.insert(tools.args.end(), {"--keyring", keyring});
  return tools;
}

int Serve(bulkhead::rbd::RbdVolumeDriver& driver, const bulkhead::Environment& env) {
  auto socket = env.count("BULKHEAD_SOCKET") != 0 ? env.at("BULKHEAD_SOCKET")
                                                  : "/run/docker/plugins/rbd.sock";
  bulkhead::PluginServer server(socket);
  bulkhead::AddVolumeRoutes(server, driver);
  server.RunUntilSignal();
  return 0;
}

int Run(int argc, char** argv) {
  bulkhead::BlockTerminationSignals();
  const bulkhead::Environment env = bulkhead::ProcessEnvironment();
  if (env.count("BULKHEAD_LOG_LEVEL") != 0)
    spdlog::set_level(spdlog::level::from_str(env.at("BULKHEAD_LOG_LEVEL")));
  const nlohmann::json suite = bulkhead::LoadSuiteConfig(env);
  const ConfigSection ceph =
      bulkhead::LoadConfigSection(suite, "ceph", bulkhead::CephSettingsSchema(), env);
  const auto settings = bulkhead::rbd::RbdSettings::From(
      bulkhead::LoadConfigSection(suite, "rbd", bulkhead::rbd::RbdSettings::Schema(), env));
  std::filesystem::create_directories(settings.state_dir);
  std::filesystem::create_directories(settings.mount_root);
  auto cluster = bulkhead::CephCluster::Connect(ceph);
  auto mapper = bulkhead::rbd::MakeMapper(settings.mapper, ToolArgs(ceph, settings.state_dir),
                                          settings.state_dir);
  spdlog::info("rbd plugin: host {}, pool {}, mapper {}, mounts under {}", settings.host_id,
               settings.pool, mapper->name(), settings.mount_root);
  bulkhead::rbd::RbdVolumeDriver driver(cluster, settings, std::move(mapper));

  const std::vector<std::string> args(argv + 1, argv + argc);
  if (args.empty()) return Serve(driver, env);
  if (args[0] == "resize" && args.size() == 3) {
    driver.Resize(args[1], bulkhead::ParseByteSize(args[2]));
    return 0;
  }
  std::cerr << "usage: bulkhead-rbd [resize NAME SIZE]\n";
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  try {
    return Run(argc, argv);
  } catch (const std::exception& e) {
    spdlog::critical("bulkhead-rbd: {}", e.what());
    return 1;
  }
}
