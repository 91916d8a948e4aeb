// VaultBackend: secrets from HashiCorp Vault's KV version 2 engine over HTTP(S).
//
// Contract: authenticates with a token read from a file, or with AppRole (role_id and
// secret_id files; POST auth/approle/login). A background thread renews the token at two
// thirds of its TTL (auth/token/renew-self) and logs in again when renewal fails or the token
// is not renewable (AppRole only). Read() is GET <mount>/data/<path> (string values as they
// are, other JSON values as their JSON text; version = metadata.version); CurrentVersion() is
// GET <mount>/metadata/<path> (current_version); ReadWrapped() asks Vault to wrap the read
// (X-Vault-Wrap-TTL) and returns the single-use wrapping token. A 403 triggers one re-login and
// retry. Errors carry Vault's `errors` text and never a token or a value. TLS verifies the server
// against `ca_file` (or the system store). Thread-safe.
#pragma once

#include <atomic>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "plugins/secrets/secret_backend.h"

namespace httplib {
class Client;
}

namespace bulkhead::secrets {

struct VaultSettings {
  std::string address;  // http(s)://host:port
  std::string kv_mount = "secret";
  std::string token_file;
  std::string role_id_file;
  std::string secret_id_file;
  std::string ca_file;
  std::string namespace_name;  // X-Vault-Namespace (Enterprise), "" for none
};

class VaultBackend : public SecretBackend {
 public:
  explicit VaultBackend(VaultSettings settings);  // logs in; throws on failure
  ~VaultBackend() override;

  std::string name() const override { return "vault " + settings_.address; }
  SecretSet Read(const std::string& path) override;
  std::string CurrentVersion(const std::string& path) override;
  std::string ReadWrapped(const std::string& path, int64_t ttl_seconds) override;

 private:
  struct Reply;
  Reply Call(const std::string& method, const std::string& path, const std::string& body,
             int64_t wrap_ttl = 0);
  Reply CallWithRelogin(const std::string& method, const std::string& path, int64_t wrap_ttl = 0);
  void Login();
  void RenewLoop();

  VaultSettings settings_;
  std::unique_ptr<httplib::Client> client_;
  std::mutex mutex_;  // guards client_, token_, ttl_
  std::string token_;
  int64_t ttl_seconds_ = 0;
  bool renewable_ = false;
  std::condition_variable wake_;
  bool stopping_ = false;
  std::thread renewer_;
};

}  // namespace bulkhead::secrets
