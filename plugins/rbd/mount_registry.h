// MountRegistry: the plugin's record of what it has mounted, kept on disk so that a restarted
// plugin knows the mount IDs dockerd will later release (dockerd replays nothing after a restart)
// and which Mounts a crash interrupted.
//
// Contract: Save() replaces the file atomically (write to a temporary file, fsync, rename), so a
// crash leaves either the old or the new table. Load() returns an empty table when there is no
// file, and throws with the path when the file is corrupt.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "plugins/rbd/mapper.h"

namespace bulkhead::rbd {

struct MountRecord {
  ImageRef image;
  std::string device;
  std::string path;
  std::string fstype;
  std::vector<std::string> mount_ids;  // a multiset: one entry per outstanding Mount
  // True from before the lock is taken until the mount is complete: a record still activating
  // after a crash names a half-done Mount that recovery must roll back.
  bool activating = false;
};

class MountRegistry {
 public:
  explicit MountRegistry(std::string path) : path_(std::move(path)) {}
  std::map<std::string, MountRecord> Load() const;
  void Save(const std::map<std::string, MountRecord>& mounts) const;

 private:
  std::string path_;
};

}  // namespace bulkhead::rbd
