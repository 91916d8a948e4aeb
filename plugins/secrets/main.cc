// bulkhead-secrets-plugin: the secrets plugin's server: docker.volumedriver/1.0 (secret and
// config volumes on tmpfs) and docker.authz/1.0 (the secrets policy) on one socket.
#include <spdlog/spdlog.h>
#include <sys/mman.h>
#include <sys/prctl.h>

#include <csignal>

#include "common/config.h"
#include "common/plugin_server.h"
#include "plugins/secrets/secrets_authorizer.h"
#include "plugins/secrets/secrets_settings.h"

namespace {

// No core dumps and no swapping of the pages that held secrets.
void HardenProcess() {
  ::prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
  if (::mlockall(MCL_CURRENT | MCL_FUTURE | MCL_ONFAULT) != 0)
    spdlog::warn("mlockall failed (CAP_IPC_LOCK missing?): secret pages may be swapped");
}

int Run() {
  bulkhead::BlockTerminationSignals();
  std::signal(SIGPIPE, SIG_IGN);
  const bulkhead::Environment env = bulkhead::ProcessEnvironment();
  if (env.count("BULKHEAD_LOG_LEVEL") != 0)
    spdlog::set_level(spdlog::level::from_str(env.at("BULKHEAD_LOG_LEVEL")));
  HardenProcess();
  const nlohmann::json suite = bulkhead::LoadSuiteConfig(env);
  const auto section =
      bulkhead::LoadConfigSection(suite, "secrets", bulkhead::secrets::SecretsSchema(), env);
  const std::string state_dir = section.String("state_dir");
  using namespace bulkhead::secrets;
  BackendSet backends = MakeBackendSet(section, suite, env);
  GrantTable grants(state_dir + "/bindings.json");
  KnownSecrets known;
  AuditLog audit(AuditLogPath(section));
  PolicyFile policy(section.String("policy_file"));
  SecretVolumes volumes(backends, grants, known, audit, state_dir, section.String("mount_root"));
  volumes.Recover();
  volumes.StartRefresher();
  SecretsAuthorizer authorizer(policy, volumes, grants, known, audit,
                               section.String("plugin_name"));
  const auto socket = env.count("BULKHEAD_SOCKET") != 0 ? env.at("BULKHEAD_SOCKET")
                                                        : "/run/docker/plugins/secrets.sock";
  bulkhead::PluginServer server(socket);
  bulkhead::AddVolumeRoutes(server, volumes);
  bulkhead::AddAuthzRoutes(server, authorizer);
  spdlog::info("secrets plugin: backend {}, policy {}, audit {}", backends.default_name(),
               policy.path(), AuditLogPath(section));
  server.RunUntilSignal();
  return 0;
}

}  // namespace

int main() {
  try {
    return Run();
  } catch (const std::exception& e) {
    spdlog::critical("bulkhead-secrets-plugin: {}", e.what());
    return 1;
  }
}
