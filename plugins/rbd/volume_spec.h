// VolumeSpec: what `docker volume create -d bulkhead/rbd -o k=v` asks for, validated.
//
// Contract: ParseVolumeSpec() accepts exactly the documented options (size, fstype, pool,
// namespace, object-size, order, features, data-pool, mkfs-options, mount-options, from,
// readonly, takeover) and throws BadRequest naming the option for anything unknown or malformed.
// The settings that matter after creation (fstype, mkfs/mount options, readonly, takeover) are
// kept in the image's own metadata under "bulkhead.", so every host sees the same volume.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>

#include "common/volume_api.h"

namespace bulkhead::rbd {

struct PlacementDefaults {
  std::string pool;
  std::string rados_namespace;
  uint64_t size = 0;
  std::string fstype;
  std::string features;
};

struct VolumeSpec {
  std::string pool;
  std::string rados_namespace;
  uint64_t size = 0;
  std::string fstype;                    // ext4 or xfs
  std::optional<uint64_t> object_order;  // log2 of the object size
  std::string features;                  // comma-separated librbd feature names
  std::string data_pool;
  std::string mkfs_options;
  std::string mount_options;
  std::string clone_from;  // "[pool/]image@snapshot", empty for a new image
  bool read_only = false;
  std::optional<bool> takeover;  // unset: the plugin's default
};

VolumeSpec ParseVolumeSpec(const VolumeOptions& options, const PlacementDefaults& defaults);

// librbd feature bits for "layering,exclusive-lock,..."; BadRequest on an unknown name.
uint64_t FeatureBits(const std::string& names);

// Refuses features that need librbd's managed exclusive lock: it uses the same lock as the
// advisory lock Bulkhead holds per host, so every write would wait for a release that never
// comes. `subject` names what is checked, for the message.
void CheckFeaturesAllowed(uint64_t features, const std::string& subject);

// The image metadata written at create time, and read back at mount time.
std::map<std::string, std::string> SpecMetadata(const VolumeSpec& spec);

}  // namespace bulkhead::rbd
