#include "plugins/rbd/mount_registry.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <fstream>
#include <nlohmann/json.hpp>
#include <stdexcept>

#include "common/errno_text.h"

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
  const std::string text = table.dump(1);
  const std::string temporary = path_ + ".tmp";
  const int fd = ::open(temporary.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) throw std::runtime_error("writing " + temporary + ": " + ErrnoText(errno));
  const bool written = ::write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size()) &&
                       ::fsync(fd) == 0;
  const int error = errno;
  ::close(fd);
  if (!written || std::rename(temporary.c_str(), path_.c_str()) != 0) {
    throw std::runtime_error("writing " + path_ + ": " + ErrnoText(written ? errno : error));
  }
}

}  // namespace bulkhead::rbd
