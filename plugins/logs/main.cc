// bulkhead-logs: the logs plugin's server: docker.logdriver/1.0, docker.volumedriver/1.0 (log
// volumes) and GET /metrics.
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <csignal>

#include "common/config.h"
#include "common/plugin_server.h"
#include "plugins/logs/log_volumes.h"
#include "plugins/logs/logs_driver.h"

namespace {

const std::vector<bulkhead::SettingSpec>& LogsSchema() {
  static const std::vector<bulkhead::SettingSpec> kSchema = {
      {"state_dir", bulkhead::SettingKind::kString, "/var/lib/bulkhead-logs", {}},
      {"host", bulkhead::SettingKind::kString, "", {}},
      {"mount_root", bulkhead::SettingKind::kString, "/mnt/volumes", {}},
  };
  return kSchema;
}

int Run() {
  bulkhead::BlockTerminationSignals();
  std::signal(SIGPIPE, SIG_IGN);  // a backend that hangs up is an error on that write, not death
  const bulkhead::Environment env = bulkhead::ProcessEnvironment();
  if (env.count("BULKHEAD_LOG_LEVEL") != 0)
    spdlog::set_level(spdlog::level::from_str(env.at("BULKHEAD_LOG_LEVEL")));
  const auto section =
      bulkhead::LoadConfigSection(bulkhead::LoadSuiteConfig(env), "logs", LogsSchema(), env);
  bulkhead::logs::LogsSettings settings;
  settings.state_dir = section.String("state_dir");
  settings.host = section.String("host");
  if (settings.host.empty()) {
    char name[256] = {};
    ::gethostname(name, sizeof(name) - 1);
    settings.host = name;
  }
  bulkhead::logs::LogsDriver driver(settings);
  driver.Recover();
  bulkhead::logs::LogVolumes volumes(driver, settings.state_dir, section.String("mount_root"));
  volumes.Recover();
  const auto socket = env.count("BULKHEAD_SOCKET") != 0 ? env.at("BULKHEAD_SOCKET")
                                                        : "/run/docker/plugins/logs.sock";
  bulkhead::PluginServer server(socket);
  bulkhead::AddLogDriverRoutes(server, driver);
  bulkhead::AddVolumeRoutes(server, volumes);
  server.Get("/metrics", "text/plain; version=0.0.4", [&driver] { return driver.Metrics(); });
  spdlog::info("logs plugin: host {}, spool under {}", settings.host, settings.state_dir);
  server.RunUntilSignal();
  return 0;
}

}  // namespace

int main() {
  try {
    return Run();
  } catch (const std::exception& e) {
    spdlog::critical("bulkhead-logs: {}", e.what());
    return 1;
  }
}
