// bulkhead-lbsync: keeps existing load balancer pools in step with the containers (Docker
// events) or tasks (Marathon events) that declare them in their labels. See README "lbsync".
#include <spdlog/spdlog.h>

#include <atomic>
#include <condition_variable>
#include <csignal>
#include <memory>
#include <sstream>
#include <thread>

#include "common/atomic_file.h"
#include "common/config.h"
#include "plugins/lbsync/bigip_target.h"
#include "plugins/lbsync/docker_source.h"
#include "plugins/lbsync/haproxy_target.h"
#include "plugins/lbsync/marathon_source.h"
#include "plugins/lbsync/nginx_target.h"
#include "plugins/lbsync/reconciler.h"

namespace {

using bulkhead::ConfigSection;
using bulkhead::SettingKind;
using namespace bulkhead::lbsync;

const std::vector<bulkhead::SettingSpec>& LbsyncSchema() {
  static const std::vector<bulkhead::SettingSpec> kSchema = {
      {"source", SettingKind::kString, "docker", {"docker", "marathon"}},
      {"docker_socket", SettingKind::kString, "/var/run/docker.sock", {}},
      {"marathon_url", SettingKind::kString, "", {}},
      {"pool_label", SettingKind::kString, "bulkhead.lb.pool", {}},
      {"port_label", SettingKind::kString, "bulkhead.lb.port", {}},
      {"port_index_label", SettingKind::kString, "bulkhead.lb.port_index", {}},
      {"host_address", SettingKind::kString, "127.0.0.1", {}},
      {"target", SettingKind::kString, "haproxy", {"haproxy", "bigip", "nginx"}},
      {"haproxy_socket", SettingKind::kString, "/run/haproxy/admin.sock", {}},
      {"haproxy_prefix", SettingKind::kString, "lbs-", {}},
      {"bigip_url", SettingKind::kString, "", {}},
      {"bigip_user", SettingKind::kString, "admin", {}},
      {"bigip_password_file", SettingKind::kString, "", {}},
      {"bigip_partition", SettingKind::kString, "Common", {}},
      {"nginx_url", SettingKind::kString, "", {}},
      {"nginx_api_version", SettingKind::kInteger, "9", {}},
      {"pools", SettingKind::kString, "", {}},
      {"drain", SettingKind::kSeconds, "10s", {}},
      {"flap_limit", SettingKind::kInteger, "4", {}},
      {"flap_window", SettingKind::kSeconds, "60s", {}},
      {"hold", SettingKind::kSeconds, "30s", {}},
      {"follow_events", SettingKind::kBoolean, "true", {}},
      {"resync_interval", SettingKind::kSeconds, "60s", {}},
      {"status_file", SettingKind::kString, "", {}},
  };
  return kSchema;
}

std::string ReadSecretFile(const std::string& path) {
  const auto text = bulkhead::ReadFileIfExists(path);
  if (!text) throw bulkhead::ConfigError("lbsync: cannot read " + path);
  return text->substr(0, text->find('\n'));
}

std::unique_ptr<StateSource> MakeSource(const ConfigSection& config) {
  if (config.String("source") == "marathon") {
    MarathonSourceSettings settings;
    settings.url = config.String("marathon_url");
    if (settings.url.empty()) throw bulkhead::ConfigError("lbsync.marathon_url is required");
    settings.pool_label = config.String("pool_label");
    settings.port_index_label = config.String("port_index_label");
    return std::make_unique<MarathonSource>(settings);
  }
  DockerSourceSettings settings;
  settings.socket = config.String("docker_socket");
  settings.pool_label = config.String("pool_label");
  settings.port_label = config.String("port_label");
  settings.host_address = config.String("host_address");
  return std::make_unique<DockerSource>(settings);
}

std::unique_ptr<LoadBalancerTarget> MakeTarget(const ConfigSection& config) {
  const std::string& target = config.String("target");
  if (target == "bigip")
    return std::make_unique<BigipTarget>(config.String("bigip_url"), config.String("bigip_user"),
                                         ReadSecretFile(config.String("bigip_password_file")),
                                         config.String("bigip_partition"));
  if (target == "nginx")
    return std::make_unique<NginxTarget>(config.String("nginx_url"),
                                         static_cast<int>(config.Integer("nginx_api_version")));
  return std::make_unique<HaproxyTarget>(config.String("haproxy_socket"),
                                         config.String("haproxy_prefix"));
}

ReconcilerSettings MakeReconcilerSettings(const ConfigSection& config) {
  ReconcilerSettings settings;
  std::istringstream pools(config.String("pools"));
  for (std::string pool; std::getline(pools, pool, ',');)
    if (!pool.empty()) settings.pools.insert(pool);
  if (settings.pools.empty())
    throw bulkhead::ConfigError("lbsync.pools: name the pools lbsync manages (comma-separated)");
  settings.drain_seconds = static_cast<int>(config.Seconds("drain"));
  settings.flap_limit = static_cast<int>(config.Integer("flap_limit"));
  settings.flap_window_seconds = static_cast<int>(config.Seconds("flap_window"));
  settings.hold_seconds = static_cast<int>(config.Seconds("hold"));
  return settings;
}

// Follows the source for ever: a full listing, then events until the stream is lost or the
// resync interval passes; an unreachable source is retried with backoff (nothing removed).
void FollowSource(StateSource& source, Reconciler& reconciler, const ConfigSection& config,
                  const std::atomic<bool>& stop, const std::function<void()>& changed) {
  int backoff = 1;
  while (!stop) {
    try {
      reconciler.Replace(source.List());
      changed();
      backoff = 1;
      const auto deadline = std::chrono::steady_clock::now() +
                            std::chrono::seconds(config.Seconds("resync_interval"));
      if (!config.Boolean("follow_events")) {
        while (!stop && std::chrono::steady_clock::now() < deadline)
          std::this_thread::sleep_for(std::chrono::milliseconds(100));
        continue;
      }
      std::atomic<bool> resync{false};
      source.Follow(
          [&](const std::string& id, const std::vector<Endpoint>& endpoints) {
            reconciler.Update(id, endpoints);
            changed();
            if (std::chrono::steady_clock::now() >= deadline || stop) resync = true;
          },
          resync);
    } catch (const std::exception& e) {
      spdlog::error("{} (retrying in {} s)", e.what(), backoff);
      reconciler.SourceLost();
      std::this_thread::sleep_for(std::chrono::seconds(backoff));
      backoff = std::min(backoff * 2, 10);
    }
  }
}

void WriteStatus(const std::string& path, const Reconciler& reconciler) {
  if (path.empty()) return;
  const Counters counters = reconciler.counters();
  const nlohmann::json status = {{"source_reachable", reconciler.source_reachable()},
                                 {"added", counters.added},
                                 {"enabled", counters.enabled},
                                 {"drained", counters.drained},
                                 {"removed", counters.removed},
                                 {"damped", counters.damped},
                                 {"errors", counters.errors},
                                 {"resyncs", counters.resyncs}};
  bulkhead::ReplaceFileAtomically(path, status.dump(), bulkhead::Durability::kNoFsync);
}

int Run() {
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  std::signal(SIGPIPE, SIG_IGN);
  const bulkhead::Environment env = bulkhead::ProcessEnvironment();
  if (env.count("BULKHEAD_LOG_LEVEL") != 0)
    spdlog::set_level(spdlog::level::from_str(env.at("BULKHEAD_LOG_LEVEL")));
  const auto config =
      bulkhead::LoadConfigSection(bulkhead::LoadSuiteConfig(env), "lbsync", LbsyncSchema(), env);
  auto source = MakeSource(config);
  auto target = MakeTarget(config);
  Reconciler reconciler(*target, MakeReconcilerSettings(config));
  std::atomic<bool> stop{false};
  std::mutex mutex;
  std::condition_variable wake;
  bool dirty = true;
  auto changed = [&] {
    {
      std::lock_guard<std::mutex> lock(mutex);
      dirty = true;
    }
    wake.notify_one();
  };
  std::thread passes([&] {
    std::unique_lock<std::mutex> lock(mutex);
    while (!stop) {
      wake.wait_for(lock, std::chrono::seconds(1), [&] { return dirty || stop.load(); });
      dirty = false;
      lock.unlock();
      reconciler.Pass();
      WriteStatus(config.String("status_file"), reconciler);
      lock.lock();
    }
  });
  std::thread follower([&] { FollowSource(*source, reconciler, config, stop, changed); });
  spdlog::info("lbsync: {} -> {}, pools {}", source->description(), target->description(),
               config.String("pools"));
  int signal = 0;
  sigwait(&signals, &signal);
  stop = true;
  wake.notify_one();
  passes.join();
  follower.detach();  // may sit in an idle event stream; the process ends now
  spdlog::info("lbsync: stopped");
  std::quick_exit(0);
}

}  // namespace

int main() {
  try {
    return Run();
  } catch (const std::exception& e) {
    spdlog::critical("bulkhead-lbsync: {}", e.what());
    return 1;
  }
}
