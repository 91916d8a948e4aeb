// SecretBackend: where secret and config values come from. One implementation per file:
// EnvelopeStore (local encrypted files or a RADOS pool), VaultBackend (Vault KV v2).
//
// Contract: Read() returns every key of the secret at `path` with the backend's version label,
// or throws SecretNotFound for a path that does not exist and std::runtime_error (with the path
// and the backend's reason) for anything else; it never returns partial data. Implementations
// are thread-safe.
#pragma once

#include <cstdint>
#include <map>
#include <stdexcept>
#include <string>

namespace bulkhead::secrets {

class SecretNotFound : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

struct SecretSet {
  std::string version;                      // e.g. "3"; changes whenever the data changes
  std::map<std::string, std::string> data;  // key -> bytes
};

class SecretBackend {
 public:
  virtual ~SecretBackend() = default;
  virtual std::string name() const = 0;
  virtual SecretSet Read(const std::string& path) = 0;
  // The version Read() would return, cheaper where the backend allows it.
  virtual std::string CurrentVersion(const std::string& path) { return Read(path).version; }
  // A single-use token the application exchanges for the secret itself (Vault response
  // wrapping); backends without such tokens throw std::invalid_argument.
  virtual std::string ReadWrapped(const std::string& path, int64_t ttl_seconds);
};

}  // namespace bulkhead::secrets
