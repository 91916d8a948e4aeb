#include "plugins/lbsync/marathon_source.h"

#include <spdlog/spdlog.h>

#include "plugins/lbsync/http_json.h"

namespace bulkhead::lbsync {
namespace {

bool TaskHealthy(const nlohmann::json& app, const nlohmann::json& task) {
  if (task.value("state", "TASK_RUNNING") != "TASK_RUNNING") return false;
  const auto& checks = app["healthChecks"];
  if (!checks.is_array() || checks.empty()) return true;
  const auto& results = task["healthCheckResults"];
  if (!results.is_array() || results.empty()) return false;
  for (const auto& result : results)
    if (!result.value("alive", false)) return false;
  return true;
}

}  // namespace

MarathonSource::MarathonSource(MarathonSourceSettings settings)
    : settings_(std::move(settings)), client_(std::make_unique<httplib::Client>(settings_.url)) {
  client_->set_connection_timeout(5);
  client_->set_read_timeout(10);
}

MarathonSource::~MarathonSource() = default;

std::vector<Endpoint> MarathonSource::EndpointsOf(const nlohmann::json& app) const {
  std::vector<Endpoint> endpoints;
  if (!app.is_object()) return endpoints;
  const auto& labels = app["labels"];
  if (!labels.is_object() || !labels.contains(settings_.pool_label)) return endpoints;
  size_t port_index = 0;
  try {
    port_index = std::stoul(labels.value(settings_.port_index_label, "0"));
  } catch (const std::exception&) {
    spdlog::warn("app {}: label {} must be a number", app.value("id", "?"),
                 settings_.port_index_label);
    return endpoints;
  }
  for (const auto& task : app["tasks"].is_array() ? app["tasks"] : nlohmann::json::array()) {
    const auto& ports = task["ports"];
    if (!ports.is_array() || ports.size() <= port_index) continue;
    Endpoint endpoint;
    endpoint.object = app.value("id", "");
    endpoint.id = task.value("id", "");
    endpoint.name = endpoint.id;
    endpoint.pool = labels.value(settings_.pool_label, "");
    endpoint.address = task.value("host", "");
    endpoint.port = ports[port_index].get<int>();
    endpoint.healthy = TaskHealthy(app, task);
    endpoints.push_back(endpoint);
  }
  return endpoints;
}

std::vector<Endpoint> MarathonSource::List() {
  const auto apps = GetJson(*client_, description(), "/v2/apps?embed=apps.tasks");
  std::vector<Endpoint> endpoints;
  for (const auto& app : apps["apps"]) {
    const auto found = EndpointsOf(app);
    endpoints.insert(endpoints.end(), found.begin(), found.end());
  }
  return endpoints;
}

void MarathonSource::Follow(const ChangeHandler& changed, const std::atomic<bool>& stop) {
  httplib::Client events(settings_.url);
  events.set_connection_timeout(5);
  events.set_read_timeout(settings_.idle_seconds);
  std::string buffer;
  std::string event_type;
  auto handle = [&](const std::string& type, const std::string& data) {
    if (type != "status_update_event" && type != "health_status_changed_event") return;
    const auto event = nlohmann::json::parse(data, nullptr, false);
    if (!event.is_object()) return;
    const std::string app_id = event.value("appId", "");
    if (app_id.empty()) return;
    const auto app = GetJson(*client_, description(), "/v2/apps" + app_id + "?embed=app.tasks");
    changed(app_id, app.is_null() ? std::vector<Endpoint>{} : EndpointsOf(app["app"]));
  };
  auto result = events.Get(
      "/v2/events", {{"Accept", "text/event-stream"}}, [&](const char* data, size_t length) {
        buffer.append(data, length);
        for (size_t end = buffer.find('\n'); end != std::string::npos; end = buffer.find('\n')) {
          std::string line = buffer.substr(0, end);
          buffer.erase(0, end + 1);
          if (!line.empty() && line.back() == '\r') line.pop_back();
          if (line.rfind("event:", 0) == 0)
            event_type = line.substr(line.find_first_not_of(' ', 6));
          else if (line.rfind("data:", 0) == 0)
            handle(event_type, line.substr(5));
          else if (line.empty())
            event_type.clear();
        }
        return !stop.load();
      });
  if (!result && result.error() != httplib::Error::Canceled && !stop.load() &&
      !Reachable(*client_, "/ping"))
    throw std::runtime_error(description() +
                             ": event stream lost: " + httplib::to_string(result.error()));
}

}  // namespace bulkhead::lbsync
