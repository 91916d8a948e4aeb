// SecretVolumes: the docker.volumedriver/1.0 side of bulkhead/secrets. Each mounted volume is
// its own tmpfs under mount_root (never a disk), filled through AtomicWriter from a backend.
//
// Contract:
//  - Create validates the options (ParseVolumeSpec) and reads the secret once, so a wrong path
//    or an unreachable backend fails `docker volume create`/`docker run` with the reason.
//  - Mount refuses a volume no container was granted (GrantTable::MayMount), then mounts a tmpfs
//    (nosuid, nodev, noexec, size=) and publishes the set; the first failure unmounts again and
//    reports the backend's error (there is no stale fallback on disk). Mount IDs are counted as
//    a multiset; the last Unmount discards the tmpfs.
//  - Volumes with a refresh interval are polled by a background thread; a new backend version is
//    swapped in atomically and `.version` changes with it. A failed poll keeps the current set
//    and shows the error in the volume's Status.
//  - Values of secret-kind volumes are taught to KnownSecrets as they are read.
//  - State (volumes.json: options and mount IDs, no values) is saved on every change; Recover()
//    readopts tmpfs mounts that survived a plugin restart and has each read once more in the
//    background (KnownSecrets starts empty after a restart).
// Thread-safe.
#pragma once

#include <condition_variable>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <thread>

#include "common/volume_api.h"
#include "plugins/secrets/atomic_writer.h"
#include "plugins/secrets/audit_log.h"
#include "plugins/secrets/grant_table.h"
#include "plugins/secrets/known_secrets.h"
#include "plugins/secrets/secret_backend.h"
#include "plugins/secrets/volume_spec.h"

namespace bulkhead::secrets {

// The backends by name, each made on first use (a backend whose configuration is missing fails
// only the volumes that use it, never the plugin).
class BackendSet {
 public:
  using Factory = std::function<std::shared_ptr<SecretBackend>()>;
  BackendSet(std::string default_name, std::map<std::string, Factory> factories);
  std::shared_ptr<SecretBackend> Get(const std::string& name);  // "" = default
  const std::string& default_name() const { return default_name_; }

 private:
  std::string default_name_;
  std::map<std::string, Factory> factories_;
  std::mutex mutex_;
  std::map<std::string, std::shared_ptr<SecretBackend>> made_;
};

class SecretVolumes : public VolumeDriver, public VolumeSpecs {
 public:
  SecretVolumes(BackendSet& backends, GrantTable& grants, KnownSecrets& known, AuditLog& audit,
                std::string state_dir, std::string mount_root);
  ~SecretVolumes() override;

  void Create(const std::string& name, const VolumeOptions& options) override;
  void Remove(const std::string& name) override;
  std::string Mount(const std::string& name, const std::string& mount_id) override;
  void Unmount(const std::string& name, const std::string& mount_id) override;
  std::string Path(const std::string& name) override;
  std::optional<VolumeInfo> Get(const std::string& name) override;
  std::vector<VolumeInfo> List() override;
  std::string Scope() override { return "local"; }

  // The spec of a volume this driver holds, for the policy.
  std::optional<SecretVolumeSpec> Spec(const std::string& name) override;
  void Recover();
  // Starts the refresh thread (call after Recover()).
  void StartRefresher();

 private:
  struct Volume {
    VolumeOptions options;
    SecretVolumeSpec spec;
    std::multiset<std::string> mount_ids;
    std::unique_ptr<AtomicWriter> writer;
    std::string version;
    std::string last_error;
    int64_t next_refresh = 0;  // steady seconds
    bool relearn = false;      // recovered after a restart: read once to relearn its values
  };

  SecretSet Fetch(const SecretVolumeSpec& spec);
  void Publish(const std::string& name, Volume& volume, const SecretSet& set);
  void MountTmpfs(const std::string& name, const Volume& volume);
  void RefreshLoop();
  void RefreshOne(const std::string& name);
  void Save();  // requires mutex_
  std::string Directory(const std::string& name) const { return mount_root_ + "/" + name; }

  BackendSet& backends_;
  GrantTable& grants_;
  KnownSecrets& known_;
  AuditLog& audit_;
  std::string state_path_;
  std::string mount_root_;
  std::mutex mutex_;
  std::map<std::string, Volume> volumes_;
  std::condition_variable wake_;
  bool stopping_ = false;
  std::thread refresher_;
};

}  // namespace bulkhead::secrets
