#include "plugins/rbd/mount_registry.h"

#include <fstream>
#include <nlohmann/json.hpp>
#include <stdexcept>

#include "common/atomic_file.h"

namespace bulkhead::rbd {

std::map<std::string, MountRecord> MountRegistry::Load() const {
  std::ifstream in(path_);
  if (!in) return {};
  std::map<std::string, MountRecord> mounts;
  try {
    const nlohmann::json table = nlohmann::json::parse(in);
    for (const auto& [volume, entry] : table.items()) {
      MountRecord record;
      record.image = {entry.at("pool"), entry.value("namespace", ""), entry.at("image")};
      record.device = entry.at("device");
      record.path = entry.at("path");
      record.fstype = entry.at("fstype");
      record.mount_ids = entry.at("mount_ids").get<std::vector<std::string>>();
      record.activating = entry.value("activating", false);
      mounts.emplace(volume, std::move(record));
    }
  } catch (const nlohmann::json::exception& e) {
    throw std::runtime_error(path_ + ": corrupt mount registry: " + e.what());
  }
  return mounts;
}

void MountRegistry::Save(const std::map<std::string, MountRecord>& mounts) const {
  nlohmann::json table = nlohmann::json::object();
  for (const auto& [volume, record] : mounts) {
    table[volume] = {{"pool", record.image.pool},     {"namespace", record.image.rados_namespace},
                     {"image", record.image.name},    {"device", record.device},
                     {"path", record.path},           {"fstype", record.fstype},
                     {"mount_ids", record.mount_ids}, {"activating", record.activating}};
  }
  ReplaceFileAtomically(path_, table.dump(1), Durability::kFsync);
}

}  // namespace bulkhead::rbd
