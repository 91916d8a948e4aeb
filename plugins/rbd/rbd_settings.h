// RbdSettings: the "rbd" section of the suite config (env BULKHEAD_RBD_*), validated.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "common/config.h"

namespace bulkhead::rbd {

struct RbdSettings {
  std::string pool;             // default pool for new volumes, and home of the volume index
  std::string rados_namespace;  // default RADOS namespace
  uint64_t default_size = 0;
  std::string default_fstype;
  std::string default_features;
  std::string mapper;         // auto, krbd, nbd, fuse
  std::string mount_root;     // the plugin's propagatedMount
  std::string state_dir;      // plugin-private state (fuse mounts, keyring)
  std::string host_id;        // names this host in lock cookies
  std::string remove_policy;  // trash, delete, keep
  bool takeover = false;      // default for volumes without their own "takeover" option

  static const std::vector<SettingSpec>& Schema();
  static RbdSettings From(const ConfigSection& section);
};

}  // namespace bulkhead::rbd
