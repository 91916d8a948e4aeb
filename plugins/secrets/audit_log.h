// AuditLog: an append-only JSON-lines record of every decision that touched a secret (grants,
// refusals, break-glass access, mounts, refreshes), hash-chained for tamper evidence: each line
// carries `seq`, `time`, `prev` (the previous line's hash) and `hash` = SHA-256 of `prev` plus
// the line's canonical JSON without `hash`. Values of secrets and env vars never enter it.
//
// Contract: Append() adds one line (O_APPEND, fsynced) and continues the chain found in an
// existing file; a last line a crash left without its newline is cut off when the log is opened.
// Verify() re-computes a file's chain and returns the number of lines, or throws std::runtime_error
// naming the first line that does not match. Thread-safe.
#pragma once

#include <cstdint>
#include <mutex>
#include <nlohmann/json.hpp>
#include <string>

namespace bulkhead::secrets {

class AuditLog {
 public:
  explicit AuditLog(std::string path);
  ~AuditLog();
  AuditLog(const AuditLog&) = delete;
  AuditLog& operator=(const AuditLog&) = delete;

  void Append(nlohmann::json record);
  static uint64_t Verify(const std::string& path);

 private:
  void ResumeChain();

  std::string path_;
  int fd_ = -1;
  std::mutex mutex_;
  uint64_t seq_ = 0;
  std::string last_hash_;
};

}  // namespace bulkhead::secrets
