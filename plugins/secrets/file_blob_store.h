// FileBlobStore: blobs as files of one host directory (the local encrypted store, the default
// backend for a single host). Each blob is `<dir>/<name with '/' as "%2F">.sealed`, mode 0600,
// replaced atomically and fsynced.
#pragma once

#include "plugins/secrets/envelope_store.h"

namespace bulkhead::secrets {

class FileBlobStore : public BlobStore {
 public:
  explicit FileBlobStore(std::string directory);  // created (0700) when missing

  std::string description() const override { return "local store " + directory_; }
  std::optional<std::string> Get(const std::string& name) override;
  void Put(const std::string& name, const std::string& blob) override;
  bool Remove(const std::string& name) override;
  std::vector<std::string> List() override;

 private:
  std::string FilePath(const std::string& name) const;

  std::string directory_;
};

}  // namespace bulkhead::secrets
