#include "plugins/secrets/policy.h"

#include <fnmatch.h>
#include <spdlog/spdlog.h>
#include <sys/stat.h>

#include "common/atomic_file.h"

namespace bulkhead::secrets {
namespace {

using nlohmann::json;

void CheckKeys(const json& object, const std::string& where, const std::set<std::string>& known) {
  if (!object.is_object()) throw std::invalid_argument(where + " must be an object");
  for (const auto& [key, value] : object.items())
    if (known.count(key) == 0) throw std::invalid_argument(where + ": unknown key \"" + key + "\"");
}

std::vector<std::string> Strings(const json& object, const std::string& key,
                                 const std::string& where) {
  std::vector<std::string> values;
  if (!object.contains(key)) return values;
  const json& list = object.at(key);
  if (!list.is_array())
    throw std::invalid_argument(where + "." + key + " must be a list of strings");
  for (const json& item : list) {
    if (!item.is_string())
      throw std::invalid_argument(where + "." + key + " must be a list of strings");
    values.push_back(item.get<std::string>());
  }
  return values;
}

std::map<std::string, std::string> Labels(const json& object, const std::string& where) {
  std::map<std::string, std::string> labels;
  if (!object.contains("labels")) return labels;
  for (const auto& [key, value] : object.at("labels").items()) {
    if (!value.is_string())
      throw std::invalid_argument(where + ".labels." + key + " must be a string");
    labels[key] = value.get<std::string>();
  }
  return labels;
}

bool Flag(const json& object, const std::string& key, bool fallback, const std::string& where) {
  if (!object.contains(key)) return fallback;
  if (!object.at(key).is_boolean())
    throw std::invalid_argument(where + "." + key + " must be true or false");
  return object.at(key).get<bool>();
}

Grant ParseGrant(const json& entry, const std::string& where) {
  CheckKeys(entry, where, {"name", "secrets", "images", "labels"});
  Grant grant;
  grant.name = entry.value("name", where);
  grant.secrets = Strings(entry, "secrets", where);
  grant.images = Strings(entry, "images", where);
  grant.labels = Labels(entry, where);
  if (grant.secrets.empty())
    throw std::invalid_argument(where + ".secrets must name at least one path pattern");
  return grant;
}

LimitRule ParseLimitRule(const json& entry, const std::string& where) {
  CheckKeys(entry, where, {"name", "labels", "images", "require"});
  LimitRule rule;
  rule.name = entry.value("name", where);
  rule.labels = Labels(entry, where);
  rule.images = Strings(entry, "images", where);
  for (const std::string& limit : Strings(entry, "require", where)) {
    if (limit != "memory" && limit != "cpu" && limit != "pids" && limit != "blkio")
      throw std::invalid_argument(where + ".require: unknown limit \"" + limit +
                                  "\" (memory, cpu, pids, blkio)");
    rule.require.insert(limit);
  }
  return rule;
}

void ParseEnv(const json& env, Policy& policy) {
  CheckKeys(env, "env", {"deny_names", "deny_known_values"});
  if (env.contains("deny_names")) policy.env_deny_names = Strings(env, "deny_names", "env");
  policy.env_deny_known_values = Flag(env, "deny_known_values", true, "env");
}

void ParseGroups(const json& document, Policy& policy) {
  if (document.contains("groups")) {
    if (!document.at("groups").is_object()) throw std::invalid_argument("groups must be an object");
    for (const auto& [group, members] : document.at("groups").items()) {
      const auto users = Strings(document.at("groups"), group, "groups");
      policy.groups[group] = {users.begin(), users.end()};
    }
  }
  if (document.contains("break_glass")) {
    const json& glass = document.at("break_glass");
    CheckKeys(glass, "break_glass", {"groups"});
    for (const std::string& group : Strings(glass, "groups", "break_glass")) {
      if (policy.groups.count(group) == 0)
        throw std::invalid_argument("break_glass.groups: no group \"" + group + "\" in groups");
      policy.break_glass_groups.insert(group);
    }
  }
}

}  // namespace

bool Policy::InBreakGlass(const std::string& user) const {
  if (user.empty()) return false;
  for (const std::string& group : break_glass_groups)
    if (groups.at(group).count(user) != 0) return true;
  return false;
}

bool GlobMatch(const std::string& pattern, const std::string& text, bool ignore_case) {
  return ::fnmatch(pattern.c_str(), text.c_str(), ignore_case ? FNM_CASEFOLD : 0) == 0;
}

Policy ParsePolicy(const json& document) {
  const json& top = document;
  CheckKeys(top, "policy",
            {"grants", "env", "require_readonly", "groups", "break_glass", "limits",
             "protected_host_paths"});
  Policy policy;
  if (top.contains("grants")) {
    if (!top.at("grants").is_array()) throw std::invalid_argument("grants must be a list");
    for (size_t i = 0; i < top.at("grants").size(); ++i)
      policy.grants.push_back(ParseGrant(top.at("grants")[i], "grants[" + std::to_string(i) + "]"));
  }
  if (top.contains("env")) ParseEnv(top.at("env"), policy);
  policy.require_readonly = Flag(top, "require_readonly", true, "policy");
  ParseGroups(top, policy);
  if (top.contains("limits")) {
    if (!top.at("limits").is_array()) throw std::invalid_argument("limits must be a list");
    for (size_t i = 0; i < top.at("limits").size(); ++i)
      policy.limits.push_back(
          ParseLimitRule(top.at("limits")[i], "limits[" + std::to_string(i) + "]"));
  }
  if (top.contains("protected_host_paths"))
    policy.protected_host_paths = Strings(top, "protected_host_paths", "policy");
  return policy;
}

PolicyFile::PolicyFile(std::string path)
    : path_(std::move(path)), policy_(std::make_shared<Policy>()) {}

std::shared_ptr<const Policy> PolicyFile::Current() {
  std::lock_guard<std::mutex> lock(mutex_);
  ReloadIfChanged();
  return policy_;
}

std::string PolicyFile::last_error() {
  std::lock_guard<std::mutex> lock(mutex_);
  ReloadIfChanged();
  return last_error_;
}

void PolicyFile::ReloadIfChanged() {
  const auto now = std::chrono::steady_clock::now();
  if (now < next_check_) return;
  next_check_ = now + std::chrono::seconds(1);
  struct stat info {};
  if (::stat(path_.c_str(), &info) != 0) {
    if (last_error_.empty()) spdlog::error("secrets policy {} is missing", path_);
    last_error_ = "policy file " + path_ + " is missing";
    return;
  }
  const std::string signature = std::to_string(info.st_mtim.tv_sec) + "." +
                                std::to_string(info.st_mtim.tv_nsec) + ":" +
                                std::to_string(info.st_size);
  if (signature == signature_) return;
  signature_ = signature;
  try {
    const auto text = ReadFileIfExists(path_);
    if (!text) throw std::runtime_error("it vanished while being read");
    policy_ = std::make_shared<Policy>(ParsePolicy(json::parse(*text)));
    last_error_.clear();
    spdlog::info("secrets policy {} loaded", path_);
  } catch (const std::exception& e) {
    last_error_ =
        "policy file " + path_ + ": " + e.what() + " (the previous policy stays in force)";
    spdlog::error("{}", last_error_);
  }
}

}  // namespace bulkhead::secrets
