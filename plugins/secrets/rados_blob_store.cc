#include "plugins/secrets/rados_blob_store.h"

#include <rados/librados.h>

#include <algorithm>
#include <cerrno>

namespace bulkhead::secrets {

RadosBlobStore::RadosBlobStore(std::shared_ptr<CephCluster> cluster, const std::string& pool,
                               const std::string& rados_namespace)
    : cluster_(std::move(cluster)), pool_(cluster_->OpenPool(pool, rados_namespace)) {}

std::string RadosBlobStore::description() const {
  return "rados store " + pool_->pool() + "/" + pool_->rados_namespace();
}

std::optional<std::string> RadosBlobStore::Get(const std::string& name) {
  uint64_t size = 0;
  time_t modified = 0;
  const int stat = rados_stat(pool_->get(), name.c_str(), &size, &modified);
  if (stat == -ENOENT) return std::nullopt;
  CheckCeph(stat, "stat of secret object " + name + " in " + description());
  std::string blob(size, '\0');
  const int read = CheckCeph(rados_read(pool_->get(), name.c_str(), blob.data(), size, 0),
                             "reading secret object " + name + " in " + description());
  blob.resize(static_cast<size_t>(read));
  return blob;
}

void RadosBlobStore::Put(const std::string& name, const std::string& blob) {
  CheckCeph(rados_write_full(pool_->get(), name.c_str(), blob.data(), blob.size()),
            "writing secret object " + name + " in " + description());
}

bool RadosBlobStore::Remove(const std::string& name) {
  const int result = rados_remove(pool_->get(), name.c_str());
  if (result == -ENOENT) return false;
  CheckCeph(result, "removing secret object " + name + " in " + description());
  return true;
}

std::vector<std::string> RadosBlobStore::List() {
  rados_list_ctx_t listing = nullptr;
  CheckCeph(rados_nobjects_list_open(pool_->get(), &listing), "listing " + description());
  std::vector<std::string> names;
  const char* entry = nullptr;
  int result = 0;
  while ((result = rados_nobjects_list_next(listing, &entry, nullptr, nullptr)) == 0)
    names.emplace_back(entry);
  rados_nobjects_list_close(listing);
  if (result != -ENOENT) CheckCeph(result, "listing " + description());
  std::sort(names.begin(), names.end());
  return names;
}

}  // namespace bulkhead::secrets
