// bulkhead-rbd: the rbd volume plugin's server, and its operator subcommands.
//
//   bulkhead-rbd                 serve docker.volumedriver/1.0 on $BULKHEAD_SOCKET
//   bulkhead-rbd resize NAME SIZE  grow a volume (its filesystem grows on the next mount)
#include <spdlog/spdlog.h>

#include <filesystem>
#include <iostream>

#include "common/ceph_cluster.h"
#include "common/config.h"
#include "common/plugin_server.h"
#include "plugins/rbd/mapper.h"
#include "plugins/rbd/rbd_settings.h"
#include "plugins/rbd/rbd_volume_driver.h"

namespace {

using bulkhead::ConfigSection;

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
  auto mapper = bulkhead::rbd::MakeMapper(settings.mapper,
                                          bulkhead::rbd::CephToolArgsFor(ceph, settings.state_dir),
                                          settings.state_dir);
  spdlog::info("rbd plugin: host {}, pool {}, mapper {}, mounts under {}", settings.host_id,
               settings.pool, mapper->name(), settings.mount_root);
  bulkhead::rbd::RbdVolumeDriver driver(cluster, settings, std::move(mapper));

  const std::vector<std::string> args(argv + 1, argv + argc);
  if (args.empty()) {
    driver.Recover();
    return Serve(driver, env);
  }
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
