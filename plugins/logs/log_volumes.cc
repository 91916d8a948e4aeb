#include "plugins/logs/log_volumes.h"

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "common/atomic_file.h"

namespace bulkhead::logs {

LogVolumes::LogVolumes(LogsDriver& logs, std::string state_dir, std::string mount_root)
    : logs_(logs),
      state_path_(std::move(state_dir) + "/volumes.json"),
      mount_root_(std::move(mount_root)) {}

void LogVolumes::Create(const std::string& name, const VolumeOptions& options) {
  if (name.empty() || name.find('/') != std::string::npos || name == "." || name == "..")
    throw BadRequest("invalid volume name \"" + name + "\"");
  LogsDriver::ValidateVolumeOptions(name, options);
  std::lock_guard<std::mutex> lock(mutex_);
  if (volumes_.count(name) != 0) return;  // a retried Create
  volumes_[name].options = options;
  Save();
}

void LogVolumes::Remove(const std::string& name) {
  std::lock_guard<std::mutex> lock(mutex_);
  auto it = volumes_.find(name);
  if (it == volumes_.end()) return;
  if (!it->second.mount_ids.empty())
    throw std::runtime_error("log volume " + name + " is still mounted");
  std::filesystem::remove_all(Directory(name));
  volumes_.erase(it);
  Save();
}

std::string LogVolumes::Mount(const std::string& name, const std::string& mount_id) {
  std::lock_guard<std::mutex> lock(mutex_);
  auto it = volumes_.find(name);
  if (it == volumes_.end()) throw std::runtime_error("no such log volume: " + name);
  std::filesystem::create_directories(Directory(name));
  if (it->second.mount_ids.empty()) logs_.FollowVolume(name, it->second.options, Directory(name));
  it->second.mount_ids.insert(mount_id);
  Save();
  return Directory(name);
}

void LogVolumes::Unmount(const std::string& name, const std::string& mount_id) {
  std::lock_guard<std::mutex> lock(mutex_);
  auto it = volumes_.find(name);
  if (it == volumes_.end()) return;
  auto id = it->second.mount_ids.find(mount_id);
  if (id == it->second.mount_ids.end()) return;  // not ours
  it->second.mount_ids.erase(id);
  if (it->second.mount_ids.empty()) logs_.StopFollowing(name);
  Save();
}

std::string LogVolumes::Path(const std::string& name) {
  std::lock_guard<std::mutex> lock(mutex_);
  auto it = volumes_.find(name);
  return it == volumes_.end() || it->second.mount_ids.empty() ? "" : Directory(name);
}

std::optional<VolumeInfo> LogVolumes::Get(const std::string& name) {
  std::lock_guard<std::mutex> lock(mutex_);
  auto it = volumes_.find(name);
  if (it == volumes_.end()) return std::nullopt;
  VolumeInfo info{name, it->second.mount_ids.empty() ? "" : Directory(name), "",
                  nlohmann::json::object()};
  info.status["options"] = it->second.options;
  return info;
}

std::vector<VolumeInfo> LogVolumes::List() {
  std::lock_guard<std::mutex> lock(mutex_);
  std::vector<VolumeInfo> list;
  for (const auto& [name, volume] : volumes_) {
    list.push_back(
        {name, volume.mount_ids.empty() ? "" : Directory(name), "", nlohmann::json::object()});
  }
  return list;
}

void LogVolumes::Recover() {
  std::ifstream in(state_path_);
  if (!in) return;
  const nlohmann::json table = nlohmann::json::parse(in);
  std::lock_guard<std::mutex> lock(mutex_);
  for (const auto& [name, entry] : table.items()) {
    LogVolume& volume = volumes_[name];
    volume.options = entry.at("options").get<VolumeOptions>();
    for (const auto& id : entry.at("mount_ids")) volume.mount_ids.insert(id.get<std::string>());
    if (!volume.mount_ids.empty()) logs_.FollowVolume(name, volume.options, Directory(name));
  }
}

void LogVolumes::Save() {
  nlohmann::json table = nlohmann::json::object();
  for (const auto& [name, volume] : volumes_) {
    table[name] = {
        {"options", volume.options},
        {"mount_ids", std::vector<std::string>(volume.mount_ids.begin(), volume.mount_ids.end())}};
  }
  ReplaceFileAtomically(state_path_, table.dump(), Durability::kFsync);
}

}  // namespace bulkhead::logs
