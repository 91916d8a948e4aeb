// Mapper: turns an RBD image into a local block device and back.
//
// Contract: Map() returns a block device path for the image, reusing an existing mapping of the
// same image (so a retried Mount or a restarted plugin never maps twice); Unmap() is idempotent
// (an already-gone mapping is success); FindMapped() reports an existing mapping or "".
// Implementations: krbd (kernel rbd via sysfs/`rbd device`), nbd (rbd-nbd), fuse (rbd-fuse -r
// IMAGE + a loop device, for kernels with neither module). MakeMapper("auto") picks the first
// the host supports, in that order.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "common/config.h"

namespace bulkhead::rbd {

struct ImageRef {
  std::string pool;
  std::string rados_namespace;
  std::string name;
  // "pool/name" or "pool/namespace/name", the spec the rbd tools take.
  std::string Spec() const {
    return pool + "/" + (rados_namespace.empty() ? "" : rados_namespace + "/") + name;
  }
};

// How helper programs reach the cluster: -c/--id/--keyring arguments.
struct CephToolArgs {
  std::vector<std::string> args;
};

// The arguments for helper programs to reach the cluster of the "ceph" settings. Given mon_host +
// key, a private ceph.conf and keyring (mode 0600) are written to `state_dir`, so the key never
// appears on a command line.
CephToolArgs CephToolArgsFor(const ConfigSection& ceph, const std::string& state_dir);

class Mapper {
 public:
  virtual ~Mapper() = default;
  virtual const char* name() const = 0;
  virtual std::string Map(const ImageRef& image, bool read_only) = 0;
  virtual void Unmap(const ImageRef& image, const std::string& device) = 0;
  virtual std::string FindMapped(const ImageRef& image) = 0;
};

// kind: auto, krbd, nbd or fuse. `state_dir` holds the fuse mounts.
std::unique_ptr<Mapper> MakeMapper(const std::string& kind, const CephToolArgs& ceph,
                                   const std::string& state_dir);

}  // namespace bulkhead::rbd

namespace bulkhead::rbd {

std::unique_ptr<Mapper> MakeKrbdMapper(const CephToolArgs& ceph);
std::unique_ptr<Mapper> MakeNbdMapper(const CephToolArgs& ceph);
std::unique_ptr<Mapper> MakeFuseMapper(const CephToolArgs& ceph, const std::string& state_dir);

}  // namespace bulkhead::rbd
