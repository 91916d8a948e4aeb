#include "plugins/lbsync/docker_source.h"

#include <spdlog/spdlog.h>

#include <chrono>

#include "plugins/lbsync/http_json.h"

namespace bulkhead::lbsync {
namespace {

std::string Escape(const std::string& text) { return httplib::detail::encode_query_param(text); }

std::string NowSince() {
  const auto now = std::chrono::system_clock::now().time_since_epoch();
  const auto seconds = std::chrono::duration_cast<std::chrono::seconds>(now).count();
  return std::to_string(seconds - 1);  // a second early: events are replayed, never missed
}

}  // namespace

DockerSource::DockerSource(DockerSourceSettings settings)
    : settings_(std::move(settings)), client_(std::make_unique<httplib::Client>(settings_.socket)) {
  client_->set_address_family(AF_UNIX);
  client_->set_default_headers({{"Host", "docker"}});  // the engine refuses a socket path as Host
  client_->set_connection_timeout(5);
  client_->set_read_timeout(10);
}

DockerSource::~DockerSource() = default;

std::vector<Endpoint> DockerSource::EndpointsOf(const nlohmann::json& inspected) const {
  if (inspected.is_null() || !inspected["State"].value("Running", false) ||
      inspected["State"].value("Paused", false))
    return {};
  const auto& labels = inspected["Config"]["Labels"];
  if (!labels.is_object() || !labels.contains(settings_.pool_label)) return {};
  Endpoint endpoint;
  endpoint.id = inspected.value("Id", "");
  endpoint.object = endpoint.id;
  endpoint.name = inspected.value("Name", "");
  if (!endpoint.name.empty() && endpoint.name[0] == '/') endpoint.name.erase(0, 1);
  endpoint.pool = labels.value(settings_.pool_label, "");
  try {
    endpoint.port = std::stoi(labels.value(settings_.port_label, ""));
  } catch (const std::exception&) {
    spdlog::warn("container {}: label {} must be a port number", endpoint.name,
                 settings_.port_label);
    return {};
  }
  const auto& health = inspected["State"]["Health"];
  endpoint.healthy = !health.is_object() || health.value("Status", "") == "healthy";
  if (inspected["HostConfig"].value("NetworkMode", "") == "host") {
    endpoint.address = settings_.host_address;
  } else {
    for (const auto& [network, config] : inspected["NetworkSettings"]["Networks"].items())
      if (endpoint.address.empty()) endpoint.address = config.value("IPAddress", "");
  }
  if (endpoint.address.empty()) {
    spdlog::warn("container {}: no address (network none?)", endpoint.name);
    return {};
  }
  return {endpoint};
}

std::vector<Endpoint> DockerSource::Inspect(const std::string& id) {
  return EndpointsOf(GetJson(*client_, description(), "/containers/" + id + "/json"));
}

std::vector<Endpoint> DockerSource::List() {
  listed_since_ = NowSince();
  const std::string filters =
      R"({"label":[")" + settings_.pool_label + R"("],"status":["running"]})";
  const auto containers =
      GetJson(*client_, description(), "/containers/json?filters=" + Escape(filters));
  std::vector<Endpoint> endpoints;
  for (const auto& container : containers) {
    const auto found = Inspect(container.value("Id", ""));
    endpoints.insert(endpoints.end(), found.begin(), found.end());
  }
  return endpoints;
}

void DockerSource::Follow(const ChangeHandler& changed, const std::atomic<bool>& stop) {
  const std::string filters =
      R"({"type":["container"],"label":[")" + settings_.pool_label +
      R"("],"event":["start","die","stop","kill","pause","unpause","destroy","health_status"]})";
  const std::string path = "/events?since=" + listed_since_ + "&filters=" + Escape(filters);
  httplib::Client events(settings_.socket);
  events.set_address_family(AF_UNIX);
  events.set_default_headers({{"Host", "docker"}});
  events.set_connection_timeout(5);
  events.set_read_timeout(settings_.idle_seconds);
  std::string buffer;
  std::vector<std::string> touched;
  auto result = events.Get(path, [&](const char* data, size_t length) {
    buffer.append(data, length);
    for (size_t newline = buffer.find('\n'); newline != std::string::npos;
         newline = buffer.find('\n')) {
      const auto event = nlohmann::json::parse(buffer.substr(0, newline), nullptr, false);
      buffer.erase(0, newline + 1);
      if (!event.is_object()) continue;
      const std::string id = event["Actor"].value("ID", "");
      spdlog::debug("docker event {} {}", event.value("Action", ""), id);
      if (!id.empty()) changed(id, Inspect(id));
    }
    return !stop.load();
  });
  if (!result && result.error() != httplib::Error::Canceled && !stop.load()) {
    // An idle stream times out (Read); the engine going away fails its ping too.
    if (!Reachable(*client_, "/_ping"))
      throw std::runtime_error(description() +
                               ": event stream lost: " + httplib::to_string(result.error()));
  }
}

}  // namespace bulkhead::lbsync
