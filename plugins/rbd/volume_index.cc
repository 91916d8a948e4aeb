#include "plugins/rbd/volume_index.h"

#include <cerrno>
#include <functional>
#include <nlohmann/json.hpp>

namespace bulkhead::rbd {
namespace {

constexpr const char* kObject = "bulkhead.rbd.volumes";
constexpr unsigned kPageSize = 512;

ImageRef ParseEntry(const std::string& volume, const char* value, size_t length) {
  try {
    const auto json = nlohmann::json::parse(std::string(value, length));
    return {json.at("pool").get<std::string>(), json.value("namespace", ""),
            json.value("image", volume)};
  } catch (const nlohmann::json::exception& e) {
    throw std::runtime_error(std::string(kObject) + ": corrupt entry for volume " + volume + ": " +
                             e.what());
  }
}

// Reads omap entries after `start_after` (all when `only` is empty, else just that key).
std::map<std::string, ImageRef> ReadEntries(const PoolContext& home, const std::string& only,
                                            std::string& start_after, bool& more) {
  rados_read_op_t op = rados_create_read_op();
  rados_omap_iter_t iter = nullptr;
  int status = 0;
  unsigned char has_more = 0;
  if (only.empty()) {
    rados_read_op_omap_get_vals2(op, start_after.c_str(), "", kPageSize, &iter, &has_more, &status);
  } else {
    const char* keys[] = {only.c_str()};
    rados_read_op_omap_get_vals_by_keys(op, keys, 1, &iter, &status);
  }
  const int result = rados_read_op_operate(op, home.get(), kObject, 0);
  std::map<std::string, ImageRef> entries;
  if (result == 0 && status == 0) {
    char* key = nullptr;
    char* value = nullptr;
    size_t length = 0;
    while (rados_omap_get_next(iter, &key, &value, &length) == 0 && key != nullptr) {
      entries.emplace(key, ParseEntry(key, value, length));
      start_after = key;
    }
  }
  if (iter != nullptr) rados_omap_get_end(iter);
  rados_release_read_op(op);
  more = has_more != 0;
  if (result == -ENOENT) return {};  // no volume was ever created here
  CheckCeph(result < 0 ? result : status,
            home.pool() + "/" + kObject + ": reading the volume index");
  return entries;
}

void WriteOp(const PoolContext& home, const std::string& what,
             const std::function<void(rados_write_op_t)>& fill) {
  rados_write_op_t op = rados_create_write_op();
  fill(op);
  const int result = rados_write_op_operate(op, home.get(), kObject, nullptr, 0);
  rados_release_write_op(op);
  CheckCeph(result, home.pool() + "/" + kObject + ": " + what);
}

}  // namespace

VolumeIndex::VolumeIndex(std::unique_ptr<PoolContext> home) : home_(std::move(home)) {}

std::optional<ImageRef> VolumeIndex::Find(const std::string& volume) {
  std::string cursor;
  bool more = false;
  auto entries = ReadEntries(*home_, volume, cursor, more);
  auto it = entries.find(volume);
  if (it == entries.end()) return std::nullopt;
  return it->second;
}

std::map<std::string, ImageRef> VolumeIndex::All() {
  std::map<std::string, ImageRef> all;
  std::string cursor;
  bool more = true;
  while (more) all.merge(ReadEntries(*home_, "", cursor, more));
  return all;
}

void VolumeIndex::Put(const std::string& volume, const ImageRef& image) {
  const std::string value = nlohmann::json{
      {"pool", image.pool},
      {"namespace", image.rados_namespace},
      {"image", image.name}}.dump();
  WriteOp(*home_, "recording volume " + volume, [&](rados_write_op_t op) {
    const char* keys[] = {volume.c_str()};
    const char* values[] = {value.c_str()};
    const size_t lengths[] = {value.size()};
    rados_write_op_create(op, LIBRADOS_CREATE_IDEMPOTENT, nullptr);
    rados_write_op_omap_set(op, keys, values, lengths, 1);
  });
}

void VolumeIndex::Erase(const std::string& volume) {
  try {
    WriteOp(*home_, "forgetting volume " + volume, [&](rados_write_op_t op) {
      const char* keys[] = {volume.c_str()};
      rados_write_op_assert_exists(op);
      rados_write_op_omap_rm_keys(op, keys, 1);
    });
  } catch (const CephError& e) {
    if (e.error_code() != -ENOENT) throw;  // no index object: nothing to forget
  }
}

}  // namespace bulkhead::rbd
