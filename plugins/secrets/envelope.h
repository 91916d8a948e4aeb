// Envelope encryption for stored secrets: every sealed blob has its own random 256-bit data key
// (AES-256-GCM over the secret), and that data key is itself sealed with a master key
// (AES-256-GCM), the scheme of KMS-style stores. Rotating the master key re-seals data keys only.
//
// Contract: Seal() binds the blob to `context` (the secret's path) through GCM's additional data,
// so a blob copied under another name does not open. Open() throws EnvelopeError naming the
// reason (unknown master key id, truncated blob, authentication failure) and never returns
// unauthenticated bytes. A MasterKeyring holds named 32-byte keys; the first one seals.
// Plaintext data keys are wiped after use.
#pragma once

#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace bulkhead::secrets {

class EnvelopeError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

struct MasterKey {
  std::string id;     // short name stored in each blob, e.g. "2026-11"
  std::string bytes;  // 32 bytes
};

class MasterKeyring {
 public:
  // Lines "<id> <base64 of 32 bytes>"; '#' comments and blank lines ignored; first key seals.
  static MasterKeyring Parse(std::string_view text, const std::string& source);
  static MasterKeyring FromFile(const std::string& path);
  // A fresh random key line for a keyring file.
  static std::string GenerateKeyLine(const std::string& id);

  const MasterKey& current() const { return keys_.front(); }
  const MasterKey& Find(const std::string& id) const;  // EnvelopeError when absent

 private:
  std::vector<MasterKey> keys_;
};

std::string Seal(const MasterKeyring& keyring, std::string_view context,
                 std::string_view plaintext);
std::string Open(const MasterKeyring& keyring, std::string_view context, std::string_view blob);
// Re-seals the blob's data key under the keyring's current key; the payload bytes are unchanged.
std::string Rewrap(const MasterKeyring& keyring, std::string_view context, std::string_view blob);
// The id of the master key a blob is sealed with.
std::string MasterKeyId(std::string_view blob);

// Random bytes from OpenSSL's CSPRNG.
std::string RandomBytes(size_t count);
std::string HmacSha256(std::string_view key, std::string_view message);
std::string Sha256Hex(std::string_view message);

}  // namespace bulkhead::secrets
