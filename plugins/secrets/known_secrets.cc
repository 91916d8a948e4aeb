#include "plugins/secrets/known_secrets.h"

#include "plugins/secrets/envelope.h"

namespace bulkhead::secrets {
namespace {

constexpr size_t kMinimumLength = 8;
constexpr size_t kScanLimit = 4096;

}  // namespace

KnownSecrets::KnownSecrets() : key_(RandomBytes(32)) {}

void KnownSecrets::Add(std::string_view value) {
  if (value.size() < kMinimumLength) return;
  const std::string digest = HmacSha256(key_, value);
  std::lock_guard<std::mutex> lock(mutex_);
  digests_.insert(digest);
  lengths_.insert(value.size());
}

bool KnownSecrets::Contains(std::string_view text) const {
  std::lock_guard<std::mutex> lock(mutex_);
  const std::string_view scanned = text.substr(0, kScanLimit);
  if (digests_.count(HmacSha256(key_, text)) != 0) return true;
  for (size_t length : lengths_)
    for (size_t at = 0; at + length <= scanned.size(); ++at)
      if (digests_.count(HmacSha256(key_, scanned.substr(at, length))) != 0) return true;
  return false;
}

size_t KnownSecrets::size() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return digests_.size();
}

}  // namespace bulkhead::secrets
