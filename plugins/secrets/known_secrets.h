// KnownSecrets: recognises secret values the plugin has delivered when they show up elsewhere
// (an env var, a label), without keeping the values: each is stored as HMAC-SHA256 under a key
// drawn at start and held only in memory, so the table on its own reveals nothing and a
// restarted plugin starts empty (it relearns values as volumes are created and mounted).
//
// Contract: Add() ignores values shorter than 8 bytes (too many false matches). Contains()
// reports whether `text` equals a known value or has one as a substring within its first 4 KiB
// (each known length is slid over it). Thread-safe.
#pragma once

#include <mutex>
#include <set>
#include <string>
#include <string_view>

namespace bulkhead::secrets {

class KnownSecrets {
 public:
  KnownSecrets();
  void Add(std::string_view value);
  bool Contains(std::string_view text) const;
  size_t size() const;

 private:
  std::string key_;
  mutable std::mutex mutex_;
  std::set<std::string> digests_;
  std::set<size_t> lengths_;
};

}  // namespace bulkhead::secrets
