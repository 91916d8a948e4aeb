#include "plugins/rbd/rbd_volume_driver.h"

#include <rbd/librbd.h>
#include <spdlog/spdlog.h>

#include <cerrno>
#include <ctime>
#include <nlohmann/json.hpp>

#include "common/failpoint.h"
#include "plugins/rbd/block_device.h"
#include "plugins/rbd/volume_spec.h"

namespace bulkhead::rbd {
namespace {

constexpr const char* kMetaFstype = "bulkhead.fstype";
constexpr const char* kMetaMkfsOptions = "bulkhead.mkfs_options";
constexpr const char* kMetaMountOptions = "bulkhead.mount_options";
constexpr const char* kMetaReadOnly = "bulkhead.readonly";
constexpr const char* kMetaTakeover = "bulkhead.takeover";
constexpr const char* kMetaGrowPending = "bulkhead.grow_pending";
// Stands for a user whose mount ID was lost with the mount registry (see Recover).
constexpr const char* kUnknownMountId = "unknown-user-from-before-restart";

std::string Rfc3339(int64_t seconds) {
  const std::time_t time = seconds;
  std::tm utc{};
  gmtime_r(&time, &utc);
  char text[32];
  std::strftime(text, sizeof(text), "%Y-%m-%dT%H:%M:%SZ", &utc);
  return text;
}

// "v1:127.0.0.1:0/123" and "127.0.0.1:0/123" name the same client.
std::string PlainAddress(std::string address) {
  for (const char* prefix : {"v1:", "v2:", "any:"}) {
    if (address.rfind(prefix, 0) == 0) address.erase(0, std::string(prefix).size());
  }
  return address;
}

std::string HolderText(const ImageLocker& holder) {
  const std::string prefix = "bulkhead host=";
  const std::string host = holder.cookie.rfind(prefix, 0) == 0
                               ? holder.cookie.substr(prefix.size())
                               : "a non-Bulkhead client (cookie \"" + holder.cookie + "\")";
  return "host " + host + " (" + holder.client + " at " + holder.address + ")";
}

// Runs `undo` unless dismissed: the rollback of one completed step of Activate. A failed undo is
// logged and noted in `*failed`.
class Rollback {
 public:
  Rollback(std::function<void()> undo, bool* failed) : undo_(std::move(undo)), failed_(failed) {}
  ~Rollback() {
    if (!undo_) return;
    try {
      undo_();
    } catch (const std::exception& e) {
      spdlog::error("rollback step failed: {}", e.what());
      *failed_ = true;
    }
  }
  Rollback(const Rollback&) = delete;
  Rollback& operator=(const Rollback&) = delete;
  void Dismiss() { undo_ = nullptr; }

 private:
  std::function<void()> undo_;
  bool* failed_;
};

void CreateImage(const PoolContext& pool, const std::string& name, const VolumeSpec& spec) {
  const std::string label = pool.pool() + "/" + name;
  if (!spec.clone_from.empty()) {
    const size_t at = spec.clone_from.find('@');
    std::string parent = spec.clone_from.substr(0, at);
    const std::string snapshot = spec.clone_from.substr(at + 1);
    std::string parent_pool = pool.pool();
    if (const size_t slash = parent.find('/'); slash != std::string::npos) {
      parent_pool = parent.substr(0, slash);
      parent = parent.substr(slash + 1);
    }
    rados_ioctx_t parent_ioctx = nullptr;
    CheckCeph(
        rados_ioctx_create(rados_ioctx_get_cluster(pool.get()), parent_pool.c_str(), &parent_ioctx),
        label + ": opening parent pool " + parent_pool);
    rbd_image_options_t options = nullptr;
    rbd_image_options_create(&options);
    rbd_image_options_set_uint64(options, RBD_IMAGE_OPTION_FEATURES,
                                 FeatureBits(spec.features) | RBD_FEATURE_LAYERING);
    const int result = rbd_clone3(parent_ioctx, parent.c_str(), snapshot.c_str(), pool.get(),
                                  name.c_str(), options);
    rbd_image_options_destroy(options);
    rados_ioctx_destroy(parent_ioctx);
    CheckCeph(result, label + ": cloning " + spec.clone_from);
    return;
  }
  rbd_image_options_t options = nullptr;
  rbd_image_options_create(&options);
  rbd_image_options_set_uint64(options, RBD_IMAGE_OPTION_FEATURES, FeatureBits(spec.features));
  if (spec.object_order)
    rbd_image_options_set_uint64(options, RBD_IMAGE_OPTION_ORDER, *spec.object_order);
  if (!spec.data_pool.empty())
    rbd_image_options_set_string(options, RBD_IMAGE_OPTION_DATA_POOL, spec.data_pool.c_str());
  const int result = rbd_create4(pool.get(), name.c_str(), spec.size, options);
  rbd_image_options_destroy(options);
  CheckCeph(result, label + ": creating a " + std::to_string(spec.size >> 20) + " MiB image");
}

}  // namespace

void CheckVolumeName(const std::string& name) {
  const bool valid = !name.empty() && name.size() <= 200 &&
                     name.find_first_of("/@ \t\n\\") == std::string::npos && name != "." &&
                     name != "..";
  if (!valid)
    throw BadRequest("invalid volume name \"" + name +
                     "\": no '/', '@', '\\' or spaces, at most 200 characters");
}

RbdVolumeDriver::RbdVolumeDriver(std::shared_ptr<CephCluster> cluster, RbdSettings settings,
                                 std::unique_ptr<Mapper> mapper)
    : cluster_(std::move(cluster)),
      settings_(std::move(settings)),
      mapper_(std::move(mapper)),
      index_(cluster_->OpenPool(settings_.pool, settings_.rados_namespace)),
      registry_(settings_.state_dir + "/mounts.json"),
      lock_cookie_("bulkhead host=" + settings_.host_id) {}

std::mutex& RbdVolumeDriver::VolumeMutex(const std::string& name) {
  std::lock_guard<std::mutex> lock(table_mutex_);
  auto& slot = volume_mutexes_[name];
  if (!slot) slot = std::make_unique<std::mutex>();
  return *slot;
}

ImageRef RbdVolumeDriver::Locate(const std::string& name) {
  std::optional<ImageRef> image = index_.Find(name);
  if (!image) throw std::runtime_error("no such volume: " + name);
  return *image;
}

void RbdVolumeDriver::Create(const std::string& name, const VolumeOptions& options) {
  CheckVolumeName(name);
  const VolumeSpec spec =
      ParseVolumeSpec(options, {settings_.pool, settings_.rados_namespace, settings_.default_size,
                                settings_.default_fstype, settings_.default_features});
  std::lock_guard<std::mutex> lock(VolumeMutex(name));
  if (index_.Find(name)) return;  // a retried Create
  auto pool = cluster_->OpenPool(spec.pool, spec.rados_namespace);
  const bool adopted = ImageExists(*pool, name);
  if (!adopted) CreateImage(*pool, name, spec);
  RbdImage image(*pool, name);
  CheckFeaturesAllowed(image.Features(), "image " + image.label());
  for (const auto& [key, value] : SpecMetadata(spec)) {
    if (!adopted || !image.Metadata(key)) image.SetMetadata(key, value);
  }
  index_.Put(name, {spec.pool, spec.rados_namespace, name});
  spdlog::info("volume {}: {} image {}", name, adopted ? "adopted existing" : "created",
               image.label());
}

std::optional<VolumeInfo> RbdVolumeDriver::Get(const std::string& name) {
  std::optional<ImageRef> ref = index_.Find(name);
  if (!ref) return std::nullopt;
  auto pool = cluster_->OpenPool(ref->pool, ref->rados_namespace);
  const auto image = OpenImageIfExists(*pool, ref->name, /*read_only=*/true);
  if (!image) return std::nullopt;  // the image was removed behind our back
  VolumeInfo info{name, Path(name), Rfc3339(image->CreatedAtSeconds()), nlohmann::json::object()};
  info.status["image"] = image->label();
  info.status["size"] = image->Size();
  info.status["fstype"] = image->Metadata(kMetaFstype).value_or("");
  nlohmann::json holders = nlohmann::json::array();
  for (const auto& holder : image->Lockers()) holders.push_back(HolderText(holder));
  info.status["locked_by"] = holders;
  return info;
}

std::vector<VolumeInfo> RbdVolumeDriver::List() {
  std::vector<VolumeInfo> volumes;
  for (const auto& [name, ref] : index_.All())
    volumes.push_back({name, Path(name), "", nlohmann::json::object()});
  return volumes;
}

std::string RbdVolumeDriver::Path(const std::string& name) {
  std::lock_guard<std::mutex> lock(table_mutex_);
  auto it = mounts_.find(name);
  return it == mounts_.end() ? "" : it->second->path;
}

std::string RbdVolumeDriver::Mount(const std::string& name, const std::string& mount_id) {
  std::lock_guard<std::mutex> volume_lock(VolumeMutex(name));
  {
    std::lock_guard<std::mutex> lock(table_mutex_);
    auto it = mounts_.find(name);
    if (it != mounts_.end()) {
      it->second->mount_ids.insert(mount_id);
      SaveRegistry();
      return it->second->path;
    }
  }
  std::unique_ptr<ActiveMount> mount = Activate(name);
  mount->mount_ids.insert(mount_id);
  std::string path = mount->path;
  std::lock_guard<std::mutex> lock(table_mutex_);
  activating_.erase(name);
  mounts_[name] = std::move(mount);
  SaveRegistry();
  return path;
}

void RbdVolumeDriver::Unmount(const std::string& name, const std::string& mount_id) {
  std::lock_guard<std::mutex> volume_lock(VolumeMutex(name));
  std::unique_ptr<ActiveMount> last;
  {
    std::lock_guard<std::mutex> lock(table_mutex_);
    auto it = mounts_.find(name);
    if (it == mounts_.end()) return;
    auto& ids = it->second->mount_ids;
    auto id = ids.find(mount_id);
    if (id == ids.end()) id = ids.find(kUnknownMountId);  // a user whose ID was lost
    if (id == ids.end()) return;                          // not ours
    ids.erase(id);
    if (!ids.empty()) {
      SaveRegistry();
      return;
    }
    last = std::move(it->second);
    mounts_.erase(it);
  }
  try {
    Deactivate(*last);
  } catch (...) {
    // Keep the volume known so a later Unmount (or the operator) can finish the job.
    last->mount_ids.insert(mount_id);
    std::lock_guard<std::mutex> lock(table_mutex_);
    mounts_[name] = std::move(last);
    throw;
  }
  std::lock_guard<std::mutex> lock(table_mutex_);
  SaveRegistry();
}

std::unique_ptr<RbdVolumeDriver::ActiveMount> RbdVolumeDriver::Activate(const std::string& name) {
  auto mount = std::make_unique<ActiveMount>();
  mount->image = Locate(name);
  mount->pool = cluster_->OpenPool(mount->image.pool, mount->image.rados_namespace);
  mount->handle = std::make_unique<RbdImage>(*mount->pool, mount->image.name);
  RbdImage& image = *mount->handle;
  CheckFeaturesAllowed(image.Features(), "image " + image.label());
  const bool read_only = image.Metadata(kMetaReadOnly).value_or("false") == "true";
  const std::optional<std::string> takeover = image.Metadata(kMetaTakeover);
  mount->fstype = image.Metadata(kMetaFstype).value_or(settings_.default_fstype);
  mount->path = MountPath(name);

  Journal(name, mount.get());
  bool rollback_failed = false;  // then the journal entry stays for the next start to finish
  Rollback forget(
      [&] {
        if (!rollback_failed) Journal(name, nullptr);
      },
      &rollback_failed);
  AcquireLock(image, name, takeover ? *takeover == "true" : settings_.takeover);
  Rollback unlock([&] { image.Unlock(lock_cookie_); }, &rollback_failed);
  Failpoint("rbd.mount.locked");
  mount->device = mapper_->Map(mount->image, read_only);
  Rollback unmap([&] { mapper_->Unmap(mount->image, mount->device); }, &rollback_failed);
  Journal(name, mount.get());
  Failpoint("rbd.mount.mapped");
  const bool grow = !read_only && image.Metadata(kMetaGrowPending).has_value();
  if (ProbeFilesystem(mount->device).empty()) {
    if (read_only)
      throw std::runtime_error("volume " + name + " is read-only and has no filesystem yet");
    spdlog::info("volume {}: no filesystem on {}, creating {}", name, mount->device, mount->fstype);
    MakeFilesystem(mount->device, mount->fstype, image.Metadata(kMetaMkfsOptions).value_or(""));
  } else if (!read_only) {
    CheckFilesystem(mount->device, mount->fstype);
  }
  Failpoint("rbd.mount.formatted");
  if (grow && GrowsUnmounted(mount->fstype))
    GrowFilesystem(mount->device, mount->path, mount->fstype);
  MountFilesystem(mount->device, mount->path, mount->fstype,
                  image.Metadata(kMetaMountOptions).value_or(""), read_only);
  Rollback unmount([&] { UnmountFilesystem(mount->path); }, &rollback_failed);
  Failpoint("rbd.mount.mounted");
  if (grow && !GrowsUnmounted(mount->fstype))
    GrowFilesystem(mount->device, mount->path, mount->fstype);
  if (grow)
    CheckCeph(rbd_metadata_remove(image.get(), kMetaGrowPending),
              image.label() + ": clearing grow flag");
  unmount.Dismiss();
  unmap.Dismiss();
  unlock.Dismiss();
  forget.Dismiss();  // Mount moves the entry from the journal into the mount table
  spdlog::info("volume {}: mounted {} ({}) at {}", name, image.label(), mount->device, mount->path);
  return mount;
}

void RbdVolumeDriver::Deactivate(ActiveMount& mount) {
  UnmountFilesystem(mount.path);
  Failpoint("rbd.unmount.unmounted");
  mapper_->Unmap(mount.image, mount.device);
  Failpoint("rbd.unmount.unmapped");
  ReleaseLock(*mount.handle);
  spdlog::info("volume released: {} ({})", mount.handle->label(), mount.device);
  mount.handle.reset();
}

void RbdVolumeDriver::AcquireLock(RbdImage& image, const std::string& name, bool takeover_allowed) {
  const auto holders = image.Lockers();
  if (!holders.empty()) {
    // Any watcher but our own handle may be the holder's mapping (a kernel client outlives the
    // plugin that mapped it), so the holder counts as alive while anyone else watches.
    const std::string self = PlainAddress(cluster_->ClientAddress());
    std::string other_watcher;
    for (const auto& watcher : image.WatcherAddresses()) {
      if (PlainAddress(watcher) != self) other_watcher = watcher;
    }
    for (const ImageLocker& holder : holders) {
      if (holder.cookie == lock_cookie_ && other_watcher.empty()) {
        ReleaseLock(image);  // ours, from an earlier run of this plugin on this host
        continue;
      }
      if (!other_watcher.empty()) {
        throw std::runtime_error("volume " + name + " is in use by " + HolderText(holder) +
                                 " (client " + other_watcher +
                                 " still has it open); release it there first");
      }
      if (!takeover_allowed) {
        throw std::runtime_error("volume " + name + " is locked by " + HolderText(holder) +
                                 ", which no longer has it open (dead?); create the volume with "
                                 "-o takeover=true or set rbd.takeover to fence it and take over");
      }
      Fence(holder, image.label());
      image.BreakLock(holder);
    }
  }
  image.LockExclusive(lock_cookie_);
}

void RbdVolumeDriver::ReleaseLock(RbdImage& image) {
  image.Unlock(lock_cookie_);
  // A lock with our cookie that this client cannot unlock is the previous process's on this
  // host: break it (librbd blocklists that dead client as it does so).
  for (const ImageLocker& holder : image.Lockers()) {
    if (holder.cookie == lock_cookie_) image.BreakLock(holder);
  }
}

void RbdVolumeDriver::ReclaimLock(RbdImage& image, const std::string& name) {
  for (const ImageLocker& holder : image.Lockers()) {
    if (holder.cookie != lock_cookie_) {
      throw std::runtime_error(
          "volume " + name + " was taken over by " + HolderText(holder) +
          " while this plugin was down; its mount here is left for the operator");
    }
  }
  ReleaseLock(image);  // held by this host's previous plugin process
  image.LockExclusive(lock_cookie_);
}

void RbdVolumeDriver::SaveRegistry() {
  std::map<std::string, MountRecord> records;
  for (const auto& [name, mount] : mounts_) {
    records[name] = {mount->image, mount->device, mount->path, mount->fstype,
                     std::vector<std::string>(mount->mount_ids.begin(), mount->mount_ids.end())};
  }
  records.insert(activating_.begin(), activating_.end());
  registry_.Save(records);
}

void RbdVolumeDriver::Journal(const std::string& name, const ActiveMount* mount) {
  std::lock_guard<std::mutex> lock(table_mutex_);
  if (mount == nullptr) {
    if (activating_.erase(name) == 0) return;
  } else {
    activating_[name] = {mount->image, mount->device, mount->path, mount->fstype, {}, true};
  }
  SaveRegistry();
}

void RbdVolumeDriver::Recover() {
  std::map<std::string, MountRecord> records;
  try {
    records = registry_.Load();
  } catch (const std::exception& e) {
    spdlog::error("{}; rebuilding the mount table from the system", e.what());
  }
  AddUnrecordedMounts(records);
  for (const auto& [name, record] : records) {
    try {
      RecoverOne(name, record);
    } catch (const std::exception& e) {
      spdlog::error("volume {}: recovery failed: {}", name, e.what());
    }
  }
  ReleaseStrayLocks();
  std::lock_guard<std::mutex> lock(table_mutex_);
  SaveRegistry();
}

void RbdVolumeDriver::AddUnrecordedMounts(std::map<std::string, MountRecord>& records) {
  const std::string prefix = settings_.mount_root + "/";
  for (const MountEntry& entry : MountTable()) {
    if (entry.target.rfind(prefix, 0) != 0) continue;
    const std::string name = entry.target.substr(prefix.size());
    if (records.count(name) != 0 || name.find('/') != std::string::npos) continue;
    const std::optional<ImageRef> image = index_.Find(name);
    if (!image) continue;
    // Its users' mount IDs are gone: count one unknown user, whom the next Unmount releases.
    spdlog::warn("volume {}: mounted at {} but not in the mount registry; adopting it", name,
                 entry.target);
    records[name] = {*image, entry.device, entry.target, entry.fstype, {kUnknownMountId}, false};
  }
}

void RbdVolumeDriver::RecoverOne(const std::string& name, const MountRecord& record) {
  auto mount = std::make_unique<ActiveMount>();
  mount->image = record.image;
  mount->pool = cluster_->OpenPool(record.image.pool, record.image.rados_namespace);
  mount->handle = std::make_unique<RbdImage>(*mount->pool, record.image.name);
  const std::string mapped = mapper_->FindMapped(record.image);
  mount->device = mapped.empty() ? record.device : mapped;  // a dead mapping still needs undoing
  mount->path = record.path;
  mount->fstype = record.fstype;
  mount->mount_ids.insert(record.mount_ids.begin(), record.mount_ids.end());
  const bool intact = !record.activating && !mapped.empty() && MountedDevice(record.path) == mapped;
  if (!intact) {
    // A Mount the crash interrupted, or a stack only partly alive: tear it down. On failure keep
    // the record, so the next Unmount from dockerd (or the next start) tries again.
    spdlog::warn("volume {}: {}; cleaning up", name,
                 record.activating ? "a mount was interrupted by a crash"
                                   : "mount or mapping lost while the plugin was down");
    try {
      Deactivate(*mount);
      return;
    } catch (...) {
      std::lock_guard<std::mutex> lock(table_mutex_);
      if (record.activating) {
        activating_[name] = record;
      } else {
        mounts_[name] = std::move(mount);
      }
      throw;
    }
  }
  ReclaimLock(*mount->handle, name);
  spdlog::info("volume {}: recovered mount of {} at {} ({} users)", name, mount->handle->label(),
               mount->path, mount->mount_ids.size());
  std::lock_guard<std::mutex> lock(table_mutex_);
  mounts_[name] = std::move(mount);
}

void RbdVolumeDriver::ReleaseStrayLocks() {
  for (const auto& [name, ref] : index_.All()) {
    {
      std::lock_guard<std::mutex> lock(table_mutex_);
      if (mounts_.count(name) != 0 || activating_.count(name) != 0) continue;
    }
    try {
      auto pool = cluster_->OpenPool(ref.pool, ref.rados_namespace);
      auto image = OpenImageIfExists(*pool, ref.name, /*read_only=*/false);
      if (!image) continue;
      for (const ImageLocker& holder : image->Lockers()) {
        if (holder.cookie != lock_cookie_) continue;
        spdlog::warn("volume {}: releasing this host's lock left by an earlier run", name);
        ReleaseLock(*image);
        break;
      }
    } catch (const std::exception& e) {
      spdlog::error("volume {}: checking for a stray lock failed: {}", name, e.what());
    }
  }
}

void RbdVolumeDriver::Fence(const ImageLocker& holder, const std::string& label) {
  spdlog::warn("{}: fencing dead lock holder {} before taking over", label, HolderText(holder));
  const std::string command = nlohmann::json{{"prefix", "osd blocklist"},
                                             {"blocklistop", "add"},
                                             {"addr", PlainAddress(holder.address)}}
                                  .dump();
  cluster_->MonCommand(command);
}

void RbdVolumeDriver::Remove(const std::string& name) {
  std::lock_guard<std::mutex> volume_lock(VolumeMutex(name));
  std::optional<ImageRef> ref = index_.Find(name);
  if (!ref) return;
  if (!Path(name).empty()) throw std::runtime_error("volume " + name + " is mounted on this host");
  auto pool = cluster_->OpenPool(ref->pool, ref->rados_namespace);
  if (auto image = OpenImageIfExists(*pool, ref->name, /*read_only=*/true)) {
    if (const auto holders = image->Lockers(); !holders.empty()) {
      throw std::runtime_error("volume " + name + " is in use by " + HolderText(holders.front()));
    }
    if (!image->WatcherAddresses().empty()) {
      throw std::runtime_error("volume " + name + " is still mapped by a client");
    }
    image.reset();  // closed before the image is removed
    if (settings_.remove_policy == "delete") {
      CheckCeph(rbd_remove(pool->get(), ref->name.c_str()), ref->Spec() + ": deleting image");
    } else if (settings_.remove_policy == "trash") {
      CheckCeph(rbd_trash_move(pool->get(), ref->name.c_str(), 0),
                ref->Spec() + ": moving image to trash");
    }
  }
  index_.Erase(name);
  spdlog::info("volume {}: removed (policy {})", name, settings_.remove_policy);
}

void RbdVolumeDriver::Resize(const std::string& name, uint64_t bytes) {
  std::lock_guard<std::mutex> volume_lock(VolumeMutex(name));
  const ImageRef ref = Locate(name);
  auto pool = cluster_->OpenPool(ref.pool, ref.rados_namespace);
  RbdImage image(*pool, ref.name);
  if (bytes < image.Size()) throw BadRequest("volume " + name + ": shrinking is not supported");
  image.SetMetadata(kMetaGrowPending, std::to_string(bytes));
  image.Resize(bytes);
  spdlog::info("volume {}: image grown to {} bytes; the filesystem grows on its next mount", name,
               bytes);
}

}  // namespace bulkhead::rbd
