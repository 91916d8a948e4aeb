// Ceph connection helper: a connected librados cluster handle and pool I/O contexts.
//
// Contract: CephCluster::Connect() reads the shared "ceph" settings — either a ceph.conf
// (`conf_file`, plus keyring) or `mon_host` + `key` directly — applies client timeouts so that a
// dead cluster gives an error instead of a hang, and throws CephError naming the step, the
// monitors and the errno text. Handles close themselves; a CephCluster is safe to share between
// threads (librados is), a PoolContext is one per thread or guarded by its owner, and keeps its
// cluster handle alive.
#pragma once

#include <rados/librados.h>

#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include "common/config.h"

namespace bulkhead {

class CephError : public std::runtime_error {
 public:
  CephError(const std::string& what, int error_code);
  int error_code() const { return error_code_; }  // negative errno, as librados returns

 private:
  int error_code_;
};

// Throws CephError("<what>: <strerror>") when `result` < 0; returns `result` otherwise.
int CheckCeph(int result, const std::string& what);

// The shared "ceph" section's schema (conf_file, cluster, user, mon_host, key, keyring, timeout).
const std::vector<SettingSpec>& CephSettingsSchema();

class CephCluster;

class PoolContext {
 public:
  PoolContext(std::shared_ptr<const CephCluster> cluster, rados_ioctx_t ioctx, std::string pool,
              std::string rados_namespace);
  ~PoolContext();
  PoolContext(const PoolContext&) = delete;
  PoolContext& operator=(const PoolContext&) = delete;

  rados_ioctx_t get() const { return ioctx_; }
  const std::string& pool() const { return pool_; }
  const std::string& rados_namespace() const { return namespace_; }

 private:
  std::shared_ptr<const CephCluster> cluster_;  // an I/O context must not outlive its cluster
  rados_ioctx_t ioctx_;
  std::string pool_;
  std::string namespace_;
};

class CephCluster : public std::enable_shared_from_this<CephCluster> {
 public:
  static std::shared_ptr<CephCluster> Connect(const ConfigSection& ceph);
  ~CephCluster();
  CephCluster(const CephCluster&) = delete;
  CephCluster& operator=(const CephCluster&) = delete;

  rados_t get() const { return cluster_; }
  // Opens `pool`, scoped to RADOS namespace `rados_namespace` ("" for the default one).
  std::unique_ptr<PoolContext> OpenPool(const std::string& pool,
                                        const std::string& rados_namespace = "") const;
  // Runs a monitor command (JSON, as `ceph` sends it); returns its output buffer.
  std::string MonCommand(const std::string& command_json) const;
  // This client's address as the OSDs see it (what a blocklist entry names).
  std::string ClientAddress() const;
  // Where this handle connects, for error messages.
  const std::string& description() const { return description_; }

 private:
  CephCluster(rados_t cluster, std::string description);

  rados_t cluster_;
  std::string description_;
};

}  // namespace bulkhead
