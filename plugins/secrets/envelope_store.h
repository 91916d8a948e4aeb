// EnvelopeStore: a secret store that keeps only envelope-encrypted blobs (see envelope.h) in a
// BlobStore, so the storage (a host directory, or a RADOS pool that every host of the Ceph
// cluster shares) never holds a plaintext byte and needs no extra service.
//
// Contract: a blob's name is the secret's path and the path is the blob's GCM context, so blobs
// cannot be swapped between names. Put() writes a new version (old + 1) of the whole key set;
// Rotate() re-encrypts the current set under a fresh data key as a new version; RotateMaster()
// re-seals every data key with the keyring's current master key (payloads untouched) and returns
// how many blobs changed. Paths are 1-200 bytes of [A-Za-z0-9._/-], without "..", leading or
// doubled '/'; others are std::invalid_argument. Thread-safe when the BlobStore is.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "plugins/secrets/envelope.h"
#include "plugins/secrets/secret_backend.h"

namespace bulkhead::secrets {

// Named byte blobs. Get() returns nullopt for a missing name; errors throw with the name.
class BlobStore {
 public:
  virtual ~BlobStore() = default;
  virtual std::string description() const = 0;
  virtual std::optional<std::string> Get(const std::string& name) = 0;
  virtual void Put(const std::string& name, const std::string& blob) = 0;
  virtual bool Remove(const std::string& name) = 0;
  virtual std::vector<std::string> List() = 0;
};

class EnvelopeStore : public SecretBackend {
 public:
  EnvelopeStore(std::unique_ptr<BlobStore> blobs, MasterKeyring keyring);

  std::string name() const override { return blobs_->description(); }
  SecretSet Read(const std::string& path) override;

  // Returns the new version.
  std::string Put(const std::string& path, const std::map<std::string, std::string>& data);
  std::string Rotate(const std::string& path);
  bool Remove(const std::string& path);
  std::vector<std::string> List(const std::string& prefix);
  size_t RotateMaster();

 private:
  std::string Store(const std::string& path, uint64_t version,
                    const std::map<std::string, std::string>& data);

  std::unique_ptr<BlobStore> blobs_;
  MasterKeyring keyring_;
};

// Throws std::invalid_argument unless `path` is a valid secret path (see the contract).
void CheckSecretPath(const std::string& path);

}  // namespace bulkhead::secrets
