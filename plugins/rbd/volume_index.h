// VolumeIndex: which RBD images are Bulkhead volumes, and where each one lives.
//
// Contract: one RADOS object ("bulkhead.rbd.volumes") in the plugin's default pool and namespace
// holds an omap of volume name -> {"pool","namespace","image"}. It is the single listing behind
// VolumeDriver.List (no per-image opens) and lets a volume live in another pool or namespace than
// the default while Mount, which carries no options, still finds it. Every host reads the same
// object, so no external key-value store is needed. Calls throw CephError with context.
#pragma once

#include <map>
#include <optional>
#include <string>

#include "common/ceph_cluster.h"
#include "plugins/rbd/mapper.h"

namespace bulkhead::rbd {

class VolumeIndex {
 public:
  explicit VolumeIndex(std::unique_ptr<PoolContext> home);

  std::optional<ImageRef> Find(const std::string& volume);
  std::map<std::string, ImageRef> All();
  void Put(const std::string& volume, const ImageRef& image);
  void Erase(const std::string& volume);

 private:
  std::unique_ptr<PoolContext> home_;
};

}  // namespace bulkhead::rbd
