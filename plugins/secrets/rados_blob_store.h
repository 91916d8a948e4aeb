// RadosBlobStore: blobs as objects of a RADOS pool (one object per secret, in a RADOS namespace),
// so every host connected to the Ceph cluster reads the same sealed secrets with no extra service.
// Writes replace the whole object in one operation. Thread-safe (one I/O context, librados
// serialises).
#pragma once

#include <memory>

#include "common/ceph_cluster.h"
#include "plugins/secrets/envelope_store.h"

namespace bulkhead::secrets {

class RadosBlobStore : public BlobStore {
 public:
  RadosBlobStore(std::shared_ptr<CephCluster> cluster, const std::string& pool,
                 const std::string& rados_namespace);

  std::string description() const override;
  std::optional<std::string> Get(const std::string& name) override;
  void Put(const std::string& name, const std::string& blob) override;
  bool Remove(const std::string& name) override;
  std::vector<std::string> List() override;

 private:
  std::shared_ptr<CephCluster> cluster_;
  std::unique_ptr<PoolContext> pool_;
};

}  // namespace bulkhead::secrets
