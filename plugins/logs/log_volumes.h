// LogVolumes: the docker.volumedriver/1.0 side of bulkhead/logs, for apps that write several
// log files (or binary logs) instead of stdout. A log volume is a directory under mount_root;
// its volume options are log options (the same names as --log-opt), and every file written into
// it is shipped through the same spool and sinks (see FileFollower).
//
// Contract: Create validates the options (unknown ones refused by name) and records the volume
// in state_dir/volumes.json with its outstanding mount IDs, so a restarted plugin (Recover())
// follows the volumes still mounted. The first Mount starts following; the last Unmount ships
// every file to its end, then stops. Remove refuses while mounted, then deletes the directory
// (what was spooled is still shipped). Scope is local.
#pragma once

#include <map>
#include <mutex>
#include <set>
#include <string>

#include "common/volume_api.h"
#include "plugins/logs/logs_driver.h"

namespace bulkhead::logs {

class LogVolumes : public VolumeDriver {
 public:
  LogVolumes(LogsDriver& logs, std::string state_dir, std::string mount_root);

  void Create(const std::string& name, const VolumeOptions& options) override;
  void Remove(const std::string& name) override;
  std::string Mount(const std::string& name, const std::string& mount_id) override;
  void Unmount(const std::string& name, const std::string& mount_id) override;
  std::string Path(const std::string& name) override;
  std::optional<VolumeInfo> Get(const std::string& name) override;
  std::vector<VolumeInfo> List() override;
  std::string Scope() override { return "local"; }

  // Loads volumes.json and follows the volumes that were mounted; call once before serving.
  void Recover();

 private:
  struct LogVolume {
    VolumeOptions options;
    std::multiset<std::string> mount_ids;
  };
  void Save();  // requires mutex_
  std::string Directory(const std::string& name) const { return mount_root_ + "/" + name; }

  LogsDriver& logs_;
  std::string state_path_;
  std::string mount_root_;
  std::mutex mutex_;
  std::map<std::string, LogVolume> volumes_;
};

}  // namespace bulkhead::logs
