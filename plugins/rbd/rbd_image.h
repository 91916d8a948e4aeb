// RbdImage: one open librbd image (RAII), with the calls the volume driver needs.
//
// Contract: every failing call throws CephError naming the image ("rbd/db1: ..."). An open image
// holds a watch on its header: that watch is how other hosts tell a live lock holder from a dead
// one, so the driver keeps the image open for as long as it has the volume mounted.
#pragma once

#include <rbd/librbd.h>

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "common/ceph_cluster.h"

namespace bulkhead::rbd {

struct ImageLocker {
  std::string client;   // e.g. "client.4123"
  std::string cookie;   // ours: "bulkhead host=<host id>"
  std::string address;  // e.g. "127.0.0.1:0/3284756"
};

class RbdImage {
 public:
  // Opens `name` in `pool`; read_only opens do not register a watch.
  RbdImage(const PoolContext& pool, const std::string& name, bool read_only = false);
  ~RbdImage();
  RbdImage(const RbdImage&) = delete;
  RbdImage& operator=(const RbdImage&) = delete;

  const std::string& label() const { return label_; }
  rbd_image_t get() const { return image_; }
  uint64_t Size();
  uint64_t Features();
  void Resize(uint64_t bytes);
  int64_t CreatedAtSeconds();
  std::optional<std::string> Metadata(const std::string& key);
  void SetMetadata(const std::string& key, const std::string& value);

  std::vector<ImageLocker> Lockers();
  // Takes the exclusive advisory lock; throws CephError (-EBUSY/-EEXIST) when someone holds it.
  void LockExclusive(const std::string& cookie);
  void Unlock(const std::string& cookie);
  void BreakLock(const ImageLocker& locker);
  // Addresses of the clients watching the header (hosts with the image open or mapped).
  std::vector<std::string> WatcherAddresses();

 private:
  rbd_image_t image_ = nullptr;
  std::string label_;
};

// Opens `name` when it exists; nullptr when it does not, CephError on any other failure.
std::unique_ptr<RbdImage> OpenImageIfExists(const PoolContext& pool, const std::string& name,
                                            bool read_only);
// True when `name` exists in `pool`.
bool ImageExists(const PoolContext& pool, const std::string& name);
std::vector<std::string> ListImages(const PoolContext& pool);

}  // namespace bulkhead::rbd
