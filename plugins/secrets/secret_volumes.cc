#include "plugins/secrets/secret_volumes.h"

#include <linux/magic.h>
#include <spdlog/spdlog.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <nlohmann/json.hpp>

#include "common/atomic_file.h"
#include "common/errno_text.h"

namespace bulkhead::secrets {
namespace {

int64_t SteadySeconds() {
  return std::chrono::duration_cast<std::chrono::seconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

bool IsTmpfsMount(const std::string& directory) {
  struct statfs filesystem {};
  struct stat self {};
  struct stat parent {};
  return ::statfs(directory.c_str(), &filesystem) == 0 && filesystem.f_type == TMPFS_MAGIC &&
         ::stat(directory.c_str(), &self) == 0 &&
         ::stat((directory + "/..").c_str(), &parent) == 0 && self.st_dev != parent.st_dev;
}

const char* KindName(VolumeKind kind) { return kind == VolumeKind::kConfig ? "config" : "secret"; }

}  // namespace

BackendSet::BackendSet(std::string default_name, std::map<std::string, Factory> factories)
    : default_name_(std::move(default_name)), factories_(std::move(factories)) {}

std::shared_ptr<SecretBackend> BackendSet::Get(const std::string& name) {
  const std::string& wanted = name.empty() ? default_name_ : name;
  std::lock_guard<std::mutex> lock(mutex_);
  if (auto it = made_.find(wanted); it != made_.end()) return it->second;
  auto factory = factories_.find(wanted);
  if (factory == factories_.end()) throw std::invalid_argument("no secret backend " + wanted);
  try {
    return made_[wanted] = factory->second();
  } catch (const std::exception& e) {
    throw std::runtime_error("secret backend " + wanted + " is not usable: " + e.what());
  }
}

SecretVolumes::SecretVolumes(BackendSet& backends, GrantTable& grants, KnownSecrets& known,
                             AuditLog& audit, std::string state_dir, std::string mount_root)
    : backends_(backends),
      grants_(grants),
      known_(known),
      audit_(audit),
      state_path_(std::move(state_dir) + "/volumes.json"),
      mount_root_(std::move(mount_root)) {}

SecretVolumes::~SecretVolumes() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  if (refresher_.joinable()) refresher_.join();
}

SecretSet SecretVolumes::Fetch(const SecretVolumeSpec& spec) {
  auto backend = backends_.Get(spec.backend);
  if (spec.wrap_seconds > 0) {
    SecretSet wrapped;
    wrapped.data["token"] = backend->ReadWrapped(spec.path, spec.wrap_seconds);
    wrapped.version =
        "wrapped-" + std::to_string(std::chrono::system_clock::now().time_since_epoch().count());
    return wrapped;
  }
  SecretSet set = backend->Read(spec.path);
  if (spec.kind == VolumeKind::kSecret)
    for (const auto& [key, value] : set.data) known_.Add(value);
  return set;
}

void SecretVolumes::Create(const std::string& name, const VolumeOptions& options) {
  SecretVolumeSpec spec;
  try {
    spec = ParseVolumeSpec(options);
    if (spec.wrap_seconds == 0) RenderFiles(spec, Fetch(spec).data);
  } catch (const std::invalid_argument& e) {
    throw BadRequest("secret volume " + name + ": " + e.what());
  } catch (const std::exception& e) {
    throw std::runtime_error("secret volume " + name + ": " + e.what());
  }
  std::lock_guard<std::mutex> lock(mutex_);
  if (auto it = volumes_.find(name); it != volumes_.end()) {
    if (it->second.options != options)
      throw BadRequest("secret volume " + name + " exists with other options");
    return;
  }
  volumes_[name] = Volume{options, spec, {}, nullptr, "", "", 0};
  Save();
  audit_.Append({{"event", "volume-create"},
                 {"volume", name},
                 {"path", spec.path},
                 {"kind", KindName(spec.kind)},
                 {"backend", backends_.Get(spec.backend)->name()}});
}

void SecretVolumes::Remove(const std::string& name) {
  std::lock_guard<std::mutex> lock(mutex_);
  auto it = volumes_.find(name);
  if (it == volumes_.end()) return;
  if (!it->second.mount_ids.empty())
    throw std::runtime_error("secret volume " + name + " is mounted; stop its containers first");
  volumes_.erase(it);
  Save();
  audit_.Append({{"event", "volume-remove"}, {"volume", name}});
}

void SecretVolumes::MountTmpfs(const std::string& name, const Volume& volume) {
  const std::string directory = Directory(name);
  if (::mkdir(directory.c_str(), 0700) != 0 && errno != EEXIST)
    throw std::runtime_error("cannot create " + directory + ": " + ErrnoText(errno));
  const unsigned long flags = MS_NOSUID | MS_NODEV | MS_NOEXEC;
  const std::string options = "size=" + std::to_string(volume.spec.size_bytes) + ",mode=0755";
  // noswap keeps secret pages out of swap (Linux 6.4+); older kernels refuse the option.
  if (::mount("tmpfs", directory.c_str(), "tmpfs", flags, (options + ",noswap").c_str()) != 0 &&
      ::mount("tmpfs", directory.c_str(), "tmpfs", flags, options.c_str()) != 0)
    throw std::runtime_error("cannot mount a tmpfs on " + directory + ": " + ErrnoText(errno));
}

void SecretVolumes::Publish(const std::string& name, Volume& volume, const SecretSet& set) {
  if (!IsTmpfsMount(Directory(name)))
    throw std::runtime_error(Directory(name) + " is not a tmpfs: refusing to write secrets there");
  volume.writer->Publish(set.version, RenderFiles(volume.spec, set.data),
                         {volume.spec.uid, volume.spec.gid, volume.spec.mode});
  volume.version = set.version;
  volume.last_error.clear();
  volume.next_refresh = SteadySeconds() + volume.spec.refresh_seconds;
}

std::string SecretVolumes::Mount(const std::string& name, const std::string& mount_id) {
  std::lock_guard<std::mutex> lock(mutex_);
  auto it = volumes_.find(name);
  if (it == volumes_.end()) throw std::runtime_error("no secret volume " + name);
  Volume& volume = it->second;
  if (!volume.mount_ids.empty()) {
    volume.mount_ids.insert(mount_id);
    Save();
    return Directory(name);
  }
  if (!grants_.MayMount(name)) {
    audit_.Append({{"event", "mount"},
                   {"decision", "deny"},
                   {"volume", name},
                   {"path", volume.spec.path},
                   {"reason", "no granted container"}});
    throw std::runtime_error("secret volume " + name +
                             ": no container was granted it by the secrets policy (is "
                             "bulkhead/secrets in the daemon's authorization-plugins?)");
  }
  MountTmpfs(name, volume);
  try {
    volume.writer = std::make_unique<AtomicWriter>(Directory(name));
    Publish(name, volume, Fetch(volume.spec));
  } catch (const std::exception& e) {
    volume.writer.reset();
    ::umount2(Directory(name).c_str(), MNT_DETACH);
    ::rmdir(Directory(name).c_str());
    throw std::runtime_error("secret volume " + name + ": " + e.what());
  }
  volume.mount_ids.insert(mount_id);
  Save();
  audit_.Append({{"event", "mount"},
                 {"decision", "allow"},
                 {"volume", name},
                 {"path", volume.spec.path},
                 {"version", volume.version},
                 {"containers", grants_.Holders(name)}});
  return Directory(name);
}

void SecretVolumes::Unmount(const std::string& name, const std::string& mount_id) {
  std::lock_guard<std::mutex> lock(mutex_);
  auto it = volumes_.find(name);
  if (it == volumes_.end()) return;
  Volume& volume = it->second;
  auto id = volume.mount_ids.find(mount_id);
  if (id == volume.mount_ids.end()) return;
  volume.mount_ids.erase(id);
  if (volume.mount_ids.empty()) {
    volume.writer.reset();
    if (::umount2(Directory(name).c_str(), MNT_DETACH) != 0 && errno != EINVAL)
      spdlog::warn("unmounting {}: {}", Directory(name), ErrnoText(errno));
    ::rmdir(Directory(name).c_str());
    audit_.Append({{"event", "unmount"}, {"volume", name}, {"path", volume.spec.path}});
  }
  Save();
}

std::string SecretVolumes::Path(const std::string& name) {
  std::lock_guard<std::mutex> lock(mutex_);
  auto it = volumes_.find(name);
  return it != volumes_.end() && !it->second.mount_ids.empty() ? Directory(name) : "";
}

std::optional<VolumeInfo> SecretVolumes::Get(const std::string& name) {
  std::lock_guard<std::mutex> lock(mutex_);
  auto it = volumes_.find(name);
  if (it == volumes_.end()) return std::nullopt;
  const Volume& volume = it->second;
  VolumeInfo info;
  info.name = name;
  info.mountpoint = volume.mount_ids.empty() ? "" : Directory(name);
  info.status = {
      {"path", volume.spec.path},
      {"kind", KindName(volume.spec.kind)},
      {"backend", volume.spec.backend.empty() ? backends_.default_name() : volume.spec.backend},
      {"version", volume.version},
      {"refresh_seconds", volume.spec.refresh_seconds}};
  if (!volume.last_error.empty()) info.status["last_error"] = volume.last_error;
  return info;
}

std::vector<VolumeInfo> SecretVolumes::List() {
  std::vector<std::string> names;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    for (const auto& [name, volume] : volumes_) names.push_back(name);
  }
  std::vector<VolumeInfo> infos;
  for (const std::string& name : names)
    if (auto info = Get(name)) infos.push_back(*info);
  return infos;
}

std::optional<SecretVolumeSpec> SecretVolumes::Spec(const std::string& name) {
  std::lock_guard<std::mutex> lock(mutex_);
  auto it = volumes_.find(name);
  if (it == volumes_.end()) return std::nullopt;
  return it->second.spec;
}

void SecretVolumes::Save() {
  nlohmann::json state = nlohmann::json::object();
  for (const auto& [name, volume] : volumes_)
    state[name] = {{"options", volume.options}, {"mount_ids", volume.mount_ids}};
  ReplaceFileAtomically(state_path_, state.dump(2), Durability::kFsync);
}

void SecretVolumes::Recover() {
  const auto text = ReadFileIfExists(state_path_);
  if (!text) return;
  std::lock_guard<std::mutex> lock(mutex_);
  nlohmann::json state;
  try {
    state = nlohmann::json::parse(*text);
  } catch (const nlohmann::json::exception& e) {
    throw std::runtime_error("secrets state " + state_path_ + " is unreadable (" + e.what() + ")");
  }
  for (const auto& [name, entry] : state.items()) {
    Volume volume;
    volume.options = entry.at("options").get<VolumeOptions>();
    volume.spec = ParseVolumeSpec(volume.options);
    volume.mount_ids = entry.at("mount_ids").get<std::multiset<std::string>>();
    if (!volume.mount_ids.empty() && IsTmpfsMount(Directory(name))) {
      volume.writer = std::make_unique<AtomicWriter>(Directory(name));
      volume.version = volume.writer->CurrentVersion();
      volume.next_refresh = SteadySeconds();
      volume.relearn = true;  // read once soon, so KnownSecrets knows its values again
    } else {
      volume.mount_ids.clear();
    }
    volumes_[name] = std::move(volume);
  }
  Save();
  spdlog::info("secrets: {} volumes recovered", volumes_.size());
}

void SecretVolumes::StartRefresher() {
  refresher_ = std::thread([this] { RefreshLoop(); });
}

void SecretVolumes::RefreshLoop() {
  std::unique_lock<std::mutex> lock(mutex_);
  while (!stopping_) {
    wake_.wait_for(lock, std::chrono::seconds(1));
    std::vector<std::string> due;
    const int64_t now = SteadySeconds();
    for (const auto& [name, volume] : volumes_)
      if (volume.writer && (volume.spec.refresh_seconds > 0 || volume.relearn) &&
          volume.spec.wrap_seconds == 0 && volume.next_refresh <= now)
        due.push_back(name);
    lock.unlock();
    for (const std::string& name : due) RefreshOne(name);
    lock.lock();
  }
}

void SecretVolumes::RefreshOne(const std::string& name) {
  SecretVolumeSpec spec;
  std::string current;
  bool relearn = false;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    auto it = volumes_.find(name);
    if (it == volumes_.end() || !it->second.writer) return;
    spec = it->second.spec;
    current = it->second.version;
    relearn = it->second.relearn;
    it->second.relearn = false;
    it->second.next_refresh = SteadySeconds() + spec.refresh_seconds;
  }
  std::optional<SecretSet> fresh;
  std::string error;
  try {
    if (relearn || backends_.Get(spec.backend)->CurrentVersion(spec.path) != current)
      fresh = Fetch(spec);
  } catch (const std::exception& e) {
    error = e.what();
  }
  std::lock_guard<std::mutex> lock(mutex_);
  auto it = volumes_.find(name);
  if (it == volumes_.end() || !it->second.writer) return;
  if (!error.empty()) {
    if (it->second.last_error != error)
      spdlog::warn("refreshing secret volume {}: {}", name, error);
    it->second.last_error = error;
    return;
  }
  if (!fresh) return;
  try {
    Publish(name, it->second, *fresh);
    audit_.Append({{"event", "refresh"},
                   {"volume", name},
                   {"path", spec.path},
                   {"from", current},
                   {"version", fresh->version}});
  } catch (const std::exception& e) {
    it->second.last_error = e.what();
    spdlog::warn("publishing secret volume {}: {}", name, e.what());
  }
}

}  // namespace bulkhead::secrets
