#include "plugins/lbsync/bigip_target.h"

#include <nlohmann/json.hpp>

#include "plugins/lbsync/http_json.h"

namespace bulkhead::lbsync {
namespace {

constexpr const char* kOwner = "bulkhead-lbsync";

}  // namespace

BigipTarget::BigipTarget(const std::string& url, const std::string& user,
                         const std::string& password, std::string partition)
    : url_(url), partition_(std::move(partition)), client_(std::make_unique<httplib::Client>(url)) {
  client_->set_basic_auth(user, password);
  client_->set_connection_timeout(5);
  client_->set_read_timeout(10);
}

BigipTarget::~BigipTarget() = default;

std::string BigipTarget::MembersPath(const std::string& pool) const {
  return "/mgmt/tm/ltm/pool/~" + partition_ + "~" + pool + "/members";
}

std::string BigipTarget::Call(const std::string& method, const std::string& path,
                              const std::string& body) {
  httplib::Result result = SendJson(*client_, description(), method, path, body);
  if (result->status != 200) {
    const auto error = nlohmann::json::parse(result->body, nullptr, false);
    throw std::runtime_error(
        description() + ": " + method + " " + path + ": HTTP " + std::to_string(result->status) +
        ": " + (error.is_object() ? error.value("message", result->body) : result->body));
  }
  return result->body;
}

std::vector<PoolMember> BigipTarget::Members(const std::string& pool) {
  const auto reply = nlohmann::json::parse(Call("GET", MembersPath(pool), ""));
  std::vector<PoolMember> members;
  for (const auto& item : reply.value("items", nlohmann::json::array())) {
    if (item.value("description", "") != kOwner) continue;
    members.push_back({item.value("name", ""), item.value("session", "") == "user-disabled"});
  }
  return members;
}

void BigipTarget::Add(const std::string& pool, const Endpoint& endpoint) {
  const nlohmann::json member = {{"name", endpoint.key()},
                                 {"address", endpoint.address},
                                 {"description", kOwner},
                                 {"session", "user-enabled"}};
  Call("POST", MembersPath(pool), member.dump());
}

void BigipTarget::Enable(const std::string& pool, const std::string& key) {
  Call("PATCH", MembersPath(pool) + "/~" + partition_ + "~" + key, R"({"session":"user-enabled"})");
}

void BigipTarget::Drain(const std::string& pool, const std::string& key) {
  Call("PATCH", MembersPath(pool) + "/~" + partition_ + "~" + key,
       R"({"session":"user-disabled"})");
}

void BigipTarget::Remove(const std::string& pool, const std::string& key) {
  Call("DELETE", MembersPath(pool) + "/~" + partition_ + "~" + key, "");
}

}  // namespace bulkhead::lbsync
