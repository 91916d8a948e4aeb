// RbdVolumeDriver: Docker volumes on Ceph RBD images.
//
// Contract:
//  - Create makes (or adopts) the image and records the volume in the VolumeIndex; the volume's
//    settings live in the image metadata. It is idempotent.
//  - The first Mount on this host opens the image (a watch that shows this host is alive), takes
//    the exclusive advisory lock with the cookie "bulkhead host=<host id>", maps it, creates a
//    filesystem only when a probe finds none, checks and mounts it under mount_root. Any failure
//    rolls back every step already done, so no mapping or lock outlives a failed attempt.
//  - Mounts are counted per volume as a multiset of mount IDs; the last Unmount syncs, unmounts,
//    unmaps and unlocks, in that order, each step idempotent. Unknown IDs are ignored.
//  - A lock held by another host is refused with a message naming the holder. The holder counts
//    as alive while any client other than this plugin watches the image (its mapping may outlive
//    it). When none does and takeover is allowed (volume option or plugin default), the holder's
//    client is blocklisted (fenced) before its lock is broken; a live holder never is.
//  - Remove refuses while the volume is locked or watched anywhere, then applies remove_policy.
//  - The mount table is saved in state_dir/mounts.json after every change, and a first Mount is
//    journaled there before its lock is taken and again once mapped. Recover() (at start)
//    re-adopts every volume still mounted and mapped here (retaking this host's lock from the
//    previous process), tears down what a crash left half done (journaled Mounts, mounts whose
//    mapping died), adopts mounts under mount_root the registry does not know (one unknown
//    user each), and releases this host's locks on volumes it no longer holds. So the next
//    Unmount from dockerd, with an ID from before the restart, still releases everything.
// Thread-safety: calls for different volumes run in parallel; calls for one volume are serialised.
#pragma once

#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>

#include "common/ceph_cluster.h"
#include "common/volume_api.h"
#include "plugins/rbd/mapper.h"
#include "plugins/rbd/mount_registry.h"
#include "plugins/rbd/rbd_image.h"
#include "plugins/rbd/rbd_settings.h"
#include "plugins/rbd/volume_index.h"

namespace bulkhead::rbd {

class RbdVolumeDriver : public VolumeDriver {
 public:
  RbdVolumeDriver(std::shared_ptr<CephCluster> cluster, RbdSettings settings,
                  std::unique_ptr<Mapper> mapper);

  void Create(const std::string& name, const VolumeOptions& options) override;
  void Remove(const std::string& name) override;
  std::string Mount(const std::string& name, const std::string& mount_id) override;
  void Unmount(const std::string& name, const std::string& mount_id) override;
  std::string Path(const std::string& name) override;
  std::optional<VolumeInfo> Get(const std::string& name) override;
  std::vector<VolumeInfo> List() override;
  std::string Scope() override { return "global"; }

  // Rebuilds the mount table after a plugin restart; call once before serving.
  void Recover();

  // Grows the image of `name` to `bytes`; the filesystem follows on the volume's next mount.
  void Resize(const std::string& name, uint64_t bytes);

 private:
  struct ActiveMount {
    ImageRef image;
    std::unique_ptr<PoolContext> pool;
    std::unique_ptr<RbdImage> handle;  // held open: its watch marks this host as alive
    std::string device;
    std::string path;
    std::string fstype;
    std::multiset<std::string> mount_ids;
  };

  std::mutex& VolumeMutex(const std::string& name);
  ImageRef Locate(const std::string& name);
  std::unique_ptr<ActiveMount> Activate(const std::string& name);
  void Deactivate(ActiveMount& mount);
  void AcquireLock(RbdImage& image, const std::string& name, bool takeover_allowed);
  void ReclaimLock(RbdImage& image, const std::string& name);
  void ReleaseLock(RbdImage& image);
  void RecoverOne(const std::string& name, const MountRecord& record);
  void AddUnrecordedMounts(std::map<std::string, MountRecord>& records);
  void ReleaseStrayLocks();
  void SaveRegistry();  // requires table_mutex_
  // Records `mount` as activating (nullptr: forgets it) in the registry.
  void Journal(const std::string& name, const ActiveMount* mount);
  void Fence(const ImageLocker& holder, const std::string& label);
  std::string MountPath(const std::string& name) const { return settings_.mount_root + "/" + name; }

  std::shared_ptr<CephCluster> cluster_;
  RbdSettings settings_;
  std::unique_ptr<Mapper> mapper_;
  VolumeIndex index_;
  MountRegistry registry_;
  std::string lock_cookie_;

  std::mutex table_mutex_;  // guards the maps below, never held during Ceph or mount calls
  std::map<std::string, std::unique_ptr<std::mutex>> volume_mutexes_;
  std::map<std::string, std::unique_ptr<ActiveMount>> mounts_;
  std::map<std::string, MountRecord> activating_;  // first Mounts in progress (the journal)
};

// Docker volume names map to image names; refuse what an RBD image name cannot be.
void CheckVolumeName(const std::string& name);

}  // namespace bulkhead::rbd
