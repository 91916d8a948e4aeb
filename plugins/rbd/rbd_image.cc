#include "plugins/rbd/rbd_image.h"

#include <cerrno>

namespace bulkhead::rbd {
namespace {

// Calls a librbd "fill a buffer of this size" function, growing the buffer on -ERANGE.
template <typename Call>
std::string GrowingBuffer(Call call, const std::string& what) {
  size_t size = 256;
  for (;;) {
    std::string buffer(size, '\0');
    size_t needed = size;
    const int result = call(buffer.data(), &needed);
    if (result == -ERANGE) {
      size = std::max(needed, size * 2);
      continue;
    }
    CheckCeph(result, what);
    buffer.resize(std::min(buffer.find('\0'), needed));  // a C string, possibly padded
    return buffer;
  }
}

// Splits a librbd buffer of NUL-terminated strings.
std::vector<std::string> SplitNulList(const std::string& buffer, size_t limit) {
  std::vector<std::string> items;
  size_t at = 0;
  while (at < limit && at < buffer.size()) {
    const size_t end = buffer.find('\0', at);
    items.push_back(buffer.substr(at, end == std::string::npos ? std::string::npos : end - at));
    if (end == std::string::npos) break;
    at = end + 1;
  }
  return items;
}

}  // namespace

RbdImage::RbdImage(const PoolContext& pool, const std::string& name, bool read_only)
    : label_(pool.pool() + "/" +
             (pool.rados_namespace().empty() ? "" : pool.rados_namespace() + "/") + name) {
  const int result = read_only ? rbd_open_read_only(pool.get(), name.c_str(), &image_, nullptr)
                               : rbd_open(pool.get(), name.c_str(), &image_, nullptr);
  CheckCeph(result, label_ + ": opening image");
}

RbdImage::~RbdImage() { rbd_close(image_); }

uint64_t RbdImage::Size() {
  uint64_t size = 0;
  CheckCeph(rbd_get_size(image_, &size), label_ + ": reading size");
  return size;
}

uint64_t RbdImage::Features() {
  uint64_t features = 0;
  CheckCeph(rbd_get_features(image_, &features), label_ + ": reading features");
  return features;
}

void RbdImage::Resize(uint64_t bytes) {
  CheckCeph(rbd_resize(image_, bytes), label_ + ": resizing");
}

int64_t RbdImage::CreatedAtSeconds() {
  timespec created{};
  CheckCeph(rbd_get_create_timestamp(image_, &created), label_ + ": reading creation time");
  return created.tv_sec;
}

std::optional<std::string> RbdImage::Metadata(const std::string& key) {
  size_t size = 0;
  if (rbd_metadata_get(image_, key.c_str(), nullptr, &size) == -ENOENT) return std::nullopt;
  return GrowingBuffer(
      [&](char* buffer, size_t* length) {
        return rbd_metadata_get(image_, key.c_str(), buffer, length);
      },
      label_ + ": reading metadata " + key);
}

void RbdImage::SetMetadata(const std::string& key, const std::string& value) {
  CheckCeph(rbd_metadata_set(image_, key.c_str(), value.c_str()),
            label_ + ": writing metadata " + key);
}

std::vector<ImageLocker> RbdImage::Lockers() {
  int exclusive = 0;
  size_t tag_size = 0, clients_size = 0, cookies_size = 0, addrs_size = 0;
  ssize_t count = rbd_list_lockers(image_, &exclusive, nullptr, &tag_size, nullptr, &clients_size,
                                   nullptr, &cookies_size, nullptr, &addrs_size);
  if (count == 0) return {};
  if (count < 0 && count != -ERANGE)
    CheckCeph(static_cast<int>(count), label_ + ": listing lockers");
  std::string tag(tag_size, '\0'), clients(clients_size, '\0'), cookies(cookies_size, '\0'),
      addrs(addrs_size, '\0');
  count = rbd_list_lockers(image_, &exclusive, tag.data(), &tag_size, clients.data(), &clients_size,
                           cookies.data(), &cookies_size, addrs.data(), &addrs_size);
  CheckCeph(static_cast<int>(count), label_ + ": listing lockers");
  const auto client_list = SplitNulList(clients, clients_size);
  const auto cookie_list = SplitNulList(cookies, cookies_size);
  const auto addr_list = SplitNulList(addrs, addrs_size);
  std::vector<ImageLocker> lockers;
  for (ssize_t i = 0; i < count && static_cast<size_t>(i) < client_list.size(); ++i) {
    lockers.push_back({client_list[i], cookie_list.at(i), addr_list.at(i)});
  }
  return lockers;
}

void RbdImage::LockExclusive(const std::string& cookie) {
  CheckCeph(rbd_lock_exclusive(image_, cookie.c_str()), label_ + ": taking the exclusive lock");
}

void RbdImage::Unlock(const std::string& cookie) {
  const int result = rbd_unlock(image_, cookie.c_str());
  if (result != -ENOENT) CheckCeph(result, label_ + ": releasing the lock");
}

void RbdImage::BreakLock(const ImageLocker& locker) {
  const int result = rbd_break_lock(image_, locker.client.c_str(), locker.cookie.c_str());
  if (result != -ENOENT) CheckCeph(result, label_ + ": breaking the lock of " + locker.client);
}

std::vector<std::string> RbdImage::WatcherAddresses() {
  size_t count = 16;
  std::vector<rbd_image_watcher_t> watchers(count);
  int result = rbd_watchers_list(image_, watchers.data(), &count);
  if (result == -ERANGE) {
    watchers.resize(count);
    result = rbd_watchers_list(image_, watchers.data(), &count);
  }
  CheckCeph(result, label_ + ": listing watchers");
  std::vector<std::string> addresses;
  for (size_t i = 0; i < count; ++i) addresses.emplace_back(watchers[i].addr);
  rbd_watchers_list_cleanup(watchers.data(), count);
  return addresses;
}

std::unique_ptr<RbdImage> OpenImageIfExists(const PoolContext& pool, const std::string& name,
                                            bool read_only) {
  try {
    return std::make_unique<RbdImage>(pool, name, read_only);
  } catch (const CephError& e) {
    if (e.error_code() == -ENOENT) return nullptr;
    throw;
  }
}

bool ImageExists(const PoolContext& pool, const std::string& name) {
  return OpenImageIfExists(pool, name, /*read_only=*/true) != nullptr;
}

std::vector<std::string> ListImages(const PoolContext& pool) {
  size_t count = 64;
  for (;;) {
    std::vector<rbd_image_spec_t> images(count);
    const int result = rbd_list2(pool.get(), images.data(), &count);
    if (result == -ERANGE) continue;
    CheckCeph(result, pool.pool() + ": listing images");
    std::vector<std::string> names;
    for (size_t i = 0; i < count; ++i) names.emplace_back(images[i].name);
    rbd_image_spec_list_cleanup(images.data(), count);
    return names;
  }
}

}  // namespace bulkhead::rbd
