#include "plugins/secrets/volume_spec.h"

#include <nlohmann/json.hpp>
#include <set>
#include <stdexcept>

#include "common/config.h"

namespace bulkhead::secrets {
namespace {

const std::set<std::string>& KnownOptions() {
  static const std::set<std::string> kOptions = {"path",   "kind", "backend", "uid",  "gid", "mode",
                                                 "format", "file", "refresh", "wrap", "size"};
  return kOptions;
}

std::string OptionList() {
  std::string list;
  for (const std::string& option : KnownOptions()) list += (list.empty() ? "" : ", ") + option;
  return list;
}

uint32_t Number(const std::string& key, const std::string& value, int base) {
  size_t used = 0;
  unsigned long number = 0;
  try {
    number = std::stoul(value, &used, base);
  } catch (const std::exception&) {
    used = 0;
  }
  if (used == 0 || used != value.size() || number > 0xFFFFFFFFUL)
    throw std::invalid_argument("volume option " + key + "=" + value + ": not a " +
                                (base == 8 ? "octal mode such as 0440" : "number"));
  return static_cast<uint32_t>(number);
}

template <typename T>
T Choice(const std::string& key, const std::string& value,
         const std::map<std::string, T>& choices) {
  auto it = choices.find(value);
  if (it != choices.end()) return it->second;
  std::string accepted;
  for (const auto& [name, unused] : choices) accepted += (accepted.empty() ? "" : ", ") + name;
  throw std::invalid_argument("volume option " + key + "=" + value +
                              ": accepted values: " + accepted);
}

int64_t Seconds(const std::string& key, const std::string& value) {
  try {
    return ParseDurationSeconds(value);
  } catch (const std::invalid_argument& e) {
    throw std::invalid_argument("volume option " + key + "=" + value + ": " + e.what());
  }
}

std::string EnvLines(const std::map<std::string, std::string>& data) {
  std::string text;
  for (const auto& [key, value] : data) {
    if (key.empty() || key.find_first_of("= \n") != std::string::npos ||
        value.find_first_of("\n\0", 0, 2) != std::string::npos)
      throw std::invalid_argument("key " + key +
                                  " cannot be written as KEY=value (format=env); use format=files");
    text += key + "=" + value + "\n";
  }
  return text;
}

std::string JsonText(const std::map<std::string, std::string>& data) {
  try {
    return nlohmann::json(data).dump(2) + "\n";
  } catch (const nlohmann::json::exception&) {
    throw std::invalid_argument("a value is not UTF-8 text (format=json); use format=files");
  }
}

}  // namespace

SecretVolumeSpec ParseVolumeSpec(const std::map<std::string, std::string>& options) {
  for (const auto& [key, value] : options)
    if (KnownOptions().count(key) == 0)
      throw std::invalid_argument("unknown volume option \"" + key +
                                  "\" (accepted: " + OptionList() + ")");
  SecretVolumeSpec spec;
  auto option = [&options](const std::string& key) {
    auto it = options.find(key);
    return it == options.end() ? std::string() : it->second;
  };
  spec.path = option("path");
  if (spec.path.empty()) throw std::invalid_argument("volume option path= is required");
  if (!option("kind").empty())
    spec.kind = Choice<VolumeKind>(
        "kind", option("kind"), {{"secret", VolumeKind::kSecret}, {"config", VolumeKind::kConfig}});
  const bool config = spec.kind == VolumeKind::kConfig;
  spec.mode = config ? 0444 : 0400;
  spec.refresh_seconds = config ? 30 : 0;
  spec.backend = option("backend");
  if (!spec.backend.empty())
    Choice<int>("backend", spec.backend, {{"local", 0}, {"rados", 0}, {"vault", 0}});
  if (!option("uid").empty()) spec.uid = Number("uid", option("uid"), 10);
  if (!option("gid").empty()) spec.gid = Number("gid", option("gid"), 10);
  if (!option("mode").empty()) spec.mode = Number("mode", option("mode"), 8) & 07777;
  if (!option("format").empty())
    spec.format = Choice<FileFormat>(
        "format", option("format"),
        {{"files", FileFormat::kFiles}, {"env", FileFormat::kEnv}, {"json", FileFormat::kJson}});
  spec.file = option("file");
  if (spec.file.empty())
    spec.file = spec.format == FileFormat::kJson ? "secrets.json" : "secrets.env";
  if (!option("refresh").empty()) spec.refresh_seconds = Seconds("refresh", option("refresh"));
  if (!option("wrap").empty()) spec.wrap_seconds = Seconds("wrap", option("wrap"));
  if (!option("size").empty()) spec.size_bytes = ParseByteSize(option("size"));
  return spec;
}

std::map<std::string, std::string> RenderFiles(const SecretVolumeSpec& spec,
                                               const std::map<std::string, std::string>& data) {
  switch (spec.format) {
    case FileFormat::kEnv:
      return {{spec.file, EnvLines(data)}};
    case FileFormat::kJson:
      return {{spec.file, JsonText(data)}};
    case FileFormat::kFiles:
      break;
  }
  return data;
}

}  // namespace bulkhead::secrets
