#include "plugins/rbd/rbd_settings.h"

#include <unistd.h>

namespace bulkhead::rbd {

const std::vector<SettingSpec>& RbdSettings::Schema() {
  static const std::vector<SettingSpec> kSchema = {
      {"pool", SettingKind::kString, "rbd", {}},
      {"namespace", SettingKind::kString, "", {}},
      {"default_size", SettingKind::kBytes, "10G", {}},
      {"default_fstype", SettingKind::kString, "ext4", {"ext4", "xfs"}},
      {"default_features", SettingKind::kString, "layering", {}},
      {"mapper", SettingKind::kString, "auto", {"auto", "krbd", "nbd", "fuse"}},
      {"mount_root", SettingKind::kString, "/mnt/volumes", {}},
      {"state_dir", SettingKind::kString, "/var/lib/bulkhead-rbd", {}},
      {"host_id", SettingKind::kString, "", {}},
      {"remove_policy", SettingKind::kString, "trash", {"trash", "delete", "keep"}},
      {"takeover", SettingKind::kBoolean, "false", {}},
  };
  return kSchema;
}

RbdSettings RbdSettings::From(const ConfigSection& section) {
  RbdSettings settings;
  settings.pool = section.String("pool");
  settings.rados_namespace = section.String("namespace");
  settings.default_size = section.Bytes("default_size");
  settings.default_fstype = section.String("default_fstype");
  settings.default_features = section.String("default_features");
  settings.mapper = section.String("mapper");
  settings.mount_root = section.String("mount_root");
  settings.state_dir = section.String("state_dir");
  settings.host_id = section.String("host_id");
  if (settings.host_id.empty()) {
    char name[256] = {};
    ::gethostname(name, sizeof(name) - 1);
    settings.host_id = name;
  }
  settings.remove_policy = section.String("remove_policy");
  settings.takeover = section.Boolean("takeover");
  return settings;
}

}  // namespace bulkhead::rbd
