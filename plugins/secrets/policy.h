// Policy: the secrets plugin's authorization rules, read from a JSON file (see README "Secrets
// policy"): grants (which containers may mount which secret paths), env rules, the break-glass
// group for exec/cp/export/commit on containers holding secrets, resource-limit rules for
// labeled classes of containers, and protected host paths.
//
// Contract: ParsePolicy() refuses unknown keys and wrong types with a message naming the key.
// PolicyFile re-reads the file when its mtime or size changes (checked at most once a second);
// a file that fails to parse keeps the last good policy in force and is reported through
// last_error(); with no good version ever read, the policy is the empty one (no grants: every
// secret mount is denied). Glob patterns are fnmatch(3) patterns where '*' also matches '/'.
// Thread-safe.
#pragma once

#include <chrono>
#include <map>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <vector>

namespace bulkhead::secrets {

struct Grant {
  std::string name;
  std::vector<std::string> secrets;           // path patterns
  std::vector<std::string> images;            // image patterns; empty = any image
  std::map<std::string, std::string> labels;  // all must be present with these values
};

struct LimitRule {
  std::string name;
  std::map<std::string, std::string> labels;  // the class of containers the rule covers
  std::vector<std::string> images;
  std::set<std::string> require;  // memory, cpu, pids, blkio
};

struct Policy {
  std::vector<Grant> grants;
  std::vector<std::string> env_deny_names = {"*PASSWORD*", "*SECRET*", "*_TOKEN", "*_API_KEY",
                                             "*PRIVATE_KEY*"};
  bool env_deny_known_values = true;
  bool require_readonly = true;
  std::map<std::string, std::set<std::string>> groups;  // group -> TLS CNs
  std::set<std::string> break_glass_groups;
  std::vector<LimitRule> limits;
  std::vector<std::string> protected_host_paths = {"/var/lib/docker", "/run/docker.sock"};

  bool InBreakGlass(const std::string& user) const;
};

Policy ParsePolicy(const nlohmann::json& document);

// True when `text` matches the fnmatch pattern (optionally case-insensitive).
bool GlobMatch(const std::string& pattern, const std::string& text, bool ignore_case = false);

class PolicyFile {
 public:
  explicit PolicyFile(std::string path);
  // The policy in force, re-read first when the file changed.
  std::shared_ptr<const Policy> Current();
  std::string last_error();
  const std::string& path() const { return path_; }

 private:
  void ReloadIfChanged();  // requires mutex_

  std::string path_;
  std::mutex mutex_;
  std::shared_ptr<const Policy> policy_;
  std::string last_error_;
  std::string signature_;  // mtime + size of the version read
  std::chrono::steady_clock::time_point next_check_{};
};

}  // namespace bulkhead::secrets
