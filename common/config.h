// Suite configuration: the top-level config.json holds one object per plugin ("rbd", "secrets",
// "logs", "lbsync") plus the shared "ceph" object. Each plugin declares the settings it reads as a
// schema; a value comes from, in rising precedence: the schema default, the file, the environment
// variable BULKHEAD_<SECTION>_<KEY> (key upper-cased, '-' as '_'), which is how `docker plugin set`
// reaches a managed plugin.
//
// Contract: LoadConfigSection() validates everything up front and throws ConfigError whose text
// names the source and the bad key (`config.json: rbd.default_size: ...`,
// `env BULKHEAD_RBD_POOLL: unknown setting rbd.pooll`): unknown keys, wrong types, bad sizes,
// values outside `choices`. A section once loaded only hands out valid values.
#pragma once

#include <cstdint>
#include <map>
#include <nlohmann/json.hpp>
#include <stdexcept>
#include <string>
#include <vector>

namespace bulkhead {

class ConfigError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

enum class SettingKind {
  kString,
  kInteger,
  kBoolean,
  kBytes,    // 1048576, "512M", "10G" (binary units)
  kSeconds,  // 30, "30s", "5m", "1h"
};

struct SettingSpec {
  std::string key;
  SettingKind kind;
  std::string default_value;         // in the same text form the environment uses
  std::vector<std::string> choices;  // for kString: the allowed values, empty for any
};

using Environment = std::map<std::string, std::string>;

// The process environment as a map.
Environment ProcessEnvironment();

// Reads a JSON config file; throws ConfigError with the path and the parse error.
nlohmann::json ReadConfigFile(const std::string& path);

// The suite config named by BULKHEAD_CONFIG, or {} when unset and the default
// /etc/bulkhead/config.json does not exist.
nlohmann::json LoadSuiteConfig(const Environment& env);

class ConfigSection {
 public:
  const std::string& name() const { return name_; }
  const std::string& String(const std::string& key) const;
  int64_t Integer(const std::string& key) const;
  bool Boolean(const std::string& key) const;
  uint64_t Bytes(const std::string& key) const;
  int64_t Seconds(const std::string& key) const;

 private:
  friend ConfigSection LoadConfigSection(const nlohmann::json&, const std::string&,
                                         const std::vector<SettingSpec>&, const Environment&);
  const nlohmann::json& Value(const std::string& key) const;

  std::string name_;
  std::map<std::string, nlohmann::json> values_;
};

ConfigSection LoadConfigSection(const nlohmann::json& suite_config, const std::string& section,
                                const std::vector<SettingSpec>& schema, const Environment& env);

// Parses "10G"-style sizes (binary units K, M, G, T, optional "i"/"iB"/"B"); throws
// std::invalid_argument with the reason.
uint64_t ParseByteSize(const std::string& text);
// Parses "30", "30s", "5m", "1h", "1d" to seconds; throws std::invalid_argument.
int64_t ParseDurationSeconds(const std::string& text);

}  // namespace bulkhead
