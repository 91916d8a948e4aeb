#include "plugins/rbd/volume_spec.h"

#include <rbd/features.h>

#include <set>
#include <sstream>
#include <string_view>

#include "common/config.h"

namespace bulkhead::rbd {
namespace {

const std::set<std::string> kOptions = {
    "size",      "fstype",       "pool",          "namespace", "object-size", "order",   "features",
    "data-pool", "mkfs-options", "mount-options", "from",      "readonly",    "takeover"};

bool OptionBoolean(const std::string& key, const std::string& value) {
  if (value == "true" || value == "1" || value == "yes") return true;
  if (value == "false" || value == "0" || value == "no") return false;
  throw BadRequest("option " + key + "=" + value + ": expected true or false");
}

uint64_t OptionBytes(const std::string& key, const std::string& value) {
  try {
    return ParseByteSize(value);
  } catch (const std::invalid_argument& e) {
    throw BadRequest("option " + key + ": " + e.what());
  }
}

void CheckName(const std::string& key, const std::string& value) {
  if (value.find_first_of("/@ \t\n") != std::string::npos) {
    throw BadRequest("option " + key + "=" + value + ": must not contain '/', '@' or spaces");
  }
}

// Mount and mkfs options are passed as single arguments; refuse anything that could become another.
void CheckArgumentText(const std::string& key, const std::string& value) {
  const bool control = value.find_first_of(std::string_view("\n\r\0", 3)) != std::string::npos;
  if (control || (key == "mount-options" && !value.empty() && value[0] == '-')) {
    throw BadRequest("option " + key + ": invalid characters");
  }
}

uint8_t ObjectOrder(const std::string& key, const std::string& value) {
  uint64_t bytes = 0;
  if (key == "order") {
    try {
      bytes = uint64_t{1} << std::stoi(value);
    } catch (const std::exception&) {
      throw BadRequest("option order=" + value + ": expected a number from 12 to 25");
    }
  } else {
    bytes = OptionBytes(key, value);
  }
  for (uint8_t order = 12; order <= 25; ++order) {
    if (bytes == uint64_t{1} << order) return order;
  }
  throw BadRequest("option " + key + "=" + value +
                   ": object size must be a power of two from 4K to 32M");
}

}  // namespace

uint64_t FeatureBits(const std::string& names) {
  static const std::map<std::string, uint64_t> kFeatures = {
      {"layering", RBD_FEATURE_LAYERING},         {"exclusive-lock", RBD_FEATURE_EXCLUSIVE_LOCK},
      {"object-map", RBD_FEATURE_OBJECT_MAP},     {"fast-diff", RBD_FEATURE_FAST_DIFF},
      {"deep-flatten", RBD_FEATURE_DEEP_FLATTEN}, {"journaling", RBD_FEATURE_JOURNALING},
      {"striping", RBD_FEATURE_STRIPINGV2}};
  uint64_t bits = 0;
  std::stringstream list(names);
  std::string name;
  while (std::getline(list, name, ',')) {
    if (name.empty()) continue;
    auto it = kFeatures.find(name);
    if (it == kFeatures.end())
      throw BadRequest("option features: unknown rbd feature \"" + name + "\"");
    bits |= it->second;
  }
  return bits;
}

void CheckFeaturesAllowed(uint64_t features, const std::string& subject) {
  constexpr uint64_t kNeedExclusiveLock = RBD_FEATURE_EXCLUSIVE_LOCK | RBD_FEATURE_OBJECT_MAP |
                                          RBD_FEATURE_FAST_DIFF | RBD_FEATURE_JOURNALING;
  if ((features & kNeedExclusiveLock) != 0) {
    throw BadRequest(subject +
                     ": exclusive-lock (and object-map, fast-diff, journaling, which need it) "
                     "share the lock that keeps a volume on one host, and writes would hang; use "
                     "layering, deep-flatten or striping (rbd feature disable IMAGE exclusive-lock "
                     "object-map fast-diff journaling, for an existing image)");
  }
}

VolumeSpec ParseVolumeSpec(const VolumeOptions& options, const PlacementDefaults& defaults) {
  for (const auto& [key, value] : options) {
    if (kOptions.count(key) == 0) {
      throw BadRequest(
          "unknown option \"" + key +
          "\" (known: size, fstype, pool, namespace, object-size, "
          "order, features, data-pool, mkfs-options, mount-options, from, readonly, takeover)");
    }
  }
  auto option = [&](const std::string& key, const std::string& fallback) {
    auto it = options.find(key);
    return it == options.end() ? fallback : it->second;
  };
  VolumeSpec spec;
  spec.pool = option("pool", defaults.pool);
  spec.rados_namespace = option("namespace", defaults.rados_namespace);
  spec.data_pool = option("data-pool", "");
  for (const char* key : {"pool", "namespace", "data-pool"}) CheckName(key, option(key, ""));
  spec.size = OptionBytes("size", option("size", std::to_string(defaults.size)));
  if (spec.size < (uint64_t{16} << 20)) throw BadRequest("option size: must be at least 16M");
  spec.fstype = option("fstype", defaults.fstype);
  if (spec.fstype != "ext4" && spec.fstype != "xfs") {
    throw BadRequest("option fstype=" + spec.fstype + ": supported filesystems are ext4 and xfs");
  }
  if (options.count("object-size") != 0 && options.count("order") != 0) {
    throw BadRequest("options object-size and order both set the object size: give one");
  }
  for (const char* key : {"object-size", "order"}) {
    if (options.count(key) != 0) spec.object_order = ObjectOrder(key, options.at(key));
  }
  spec.features = option("features", defaults.features);
  CheckFeaturesAllowed(FeatureBits(spec.features), "option features");
  spec.mkfs_options = option("mkfs-options", "");
  spec.mount_options = option("mount-options", "");
  CheckArgumentText("mkfs-options", spec.mkfs_options);
  CheckArgumentText("mount-options", spec.mount_options);
  spec.clone_from = option("from", "");
  if (!spec.clone_from.empty() && spec.clone_from.find('@') == std::string::npos) {
    throw BadRequest("option from=" + spec.clone_from + ": expected [pool/]image@snapshot");
  }
  spec.read_only = OptionBoolean("readonly", option("readonly", "false"));
  if (options.count("takeover") != 0)
    spec.takeover = OptionBoolean("takeover", options.at("takeover"));
  return spec;
}

std::map<std::string, std::string> SpecMetadata(const VolumeSpec& spec) {
  std::map<std::string, std::string> metadata = {
      {"bulkhead.fstype", spec.fstype},
      {"bulkhead.mkfs_options", spec.mkfs_options},
      {"bulkhead.mount_options", spec.mount_options},
      {"bulkhead.readonly", spec.read_only ? "true" : "false"},
  };
  if (spec.takeover) metadata["bulkhead.takeover"] = *spec.takeover ? "true" : "false";
  return metadata;
}

}  // namespace bulkhead::rbd
