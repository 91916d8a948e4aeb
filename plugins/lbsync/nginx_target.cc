#include "plugins/lbsync/nginx_target.h"

#include <nlohmann/json.hpp>

#include "plugins/lbsync/http_json.h"

namespace bulkhead::lbsync {

NginxTarget::NginxTarget(const std::string& url, int api_version)
    : url_(url), api_version_(api_version), client_(std::make_unique<httplib::Client>(url)) {
  client_->set_connection_timeout(5);
  client_->set_read_timeout(10);
}

NginxTarget::~NginxTarget() = default;

std::string NginxTarget::ServersPath(const std::string& pool) const {
  return "/api/" + std::to_string(api_version_) + "/http/upstreams/" + pool + "/servers";
}

std::string NginxTarget::Call(const std::string& method, const std::string& path,
                              const std::string& body) {
  httplib::Result result = SendJson(*client_, description(), method, path, body);
  if (result->status < 200 || result->status > 299) {
    const auto error = nlohmann::json::parse(result->body, nullptr, false);
    const std::string text = error.is_object() && error.contains("error")
                                 ? error["error"].value("text", result->body)
                                 : result->body;
    throw std::runtime_error(description() + ": " + method + " " + path + ": HTTP " +
                             std::to_string(result->status) + ": " + text);
  }
  return result->body;
}

std::vector<PoolMember> NginxTarget::Members(const std::string& pool) {
  std::vector<PoolMember> members;
  for (const auto& server : nlohmann::json::parse(Call("GET", ServersPath(pool), "")))
    members.push_back(
        {server.value("server", ""), server.value("drain", false) || server.value("down", false)});
  return members;
}

int NginxTarget::ServerId(const std::string& pool, const std::string& key) {
  for (const auto& server : nlohmann::json::parse(Call("GET", ServersPath(pool), "")))
    if (server.value("server", "") == key) return server.value("id", -1);
  throw std::runtime_error(description() + ": upstream " + pool + " has no server " + key);
}

void NginxTarget::Add(const std::string& pool, const Endpoint& endpoint) {
  Call("POST", ServersPath(pool), nlohmann::json{{"server", endpoint.key()}}.dump());
}

void NginxTarget::Enable(const std::string& pool, const std::string& key) {
  Call("PATCH", ServersPath(pool) + "/" + std::to_string(ServerId(pool, key)),
       R"({"drain":false,"down":false})");
}

void NginxTarget::Drain(const std::string& pool, const std::string& key) {
  Call("PATCH", ServersPath(pool) + "/" + std::to_string(ServerId(pool, key)), R"({"drain":true})");
}

void NginxTarget::Remove(const std::string& pool, const std::string& key) {
  Call("DELETE", ServersPath(pool) + "/" + std::to_string(ServerId(pool, key)), "");
}

}  // namespace bulkhead::lbsync
