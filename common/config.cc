#include "common/config.h"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <set>

extern char** environ;  // NOLINT(readability-redundant-declaration): POSIX, not in a header

namespace bulkhead {
namespace {

constexpr const char* kDefaultConfigPath = "/etc/bulkhead/config.json";
const std::set<std::string> kSections = {"ceph", "rbd", "secrets", "logs", "lbsync"};

std::string EnvName(const std::string& section, const std::string& key) {
  std::string name = "BULKHEAD_" + section + "_" + key;
  for (char& c : name)
    c = c == '-' ? '_' : static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return name;
}

std::string Lower(std::string text) {
  for (char& c : text) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return text;
}

// Splits "10G" into 10 and "g"; throws when there is no leading number.
std::pair<double, std::string> NumberAndUnit(const std::string& text) {
  size_t used = 0;
  double number = 0;
  try {
    number = std::stod(text, &used);
  } catch (const std::exception&) {
    throw std::invalid_argument("\"" + text + "\" does not start with a number");
  }
  if (!std::isfinite(number) || number < 0) {
    throw std::invalid_argument("\"" + text + "\" is not a non-negative number");
  }
  std::string unit = Lower(text.substr(used));
  unit.erase(std::remove(unit.begin(), unit.end(), ' '), unit.end());
  return {number, unit};
}

bool ParseBoolean(const std::string& text) {
  const std::string value = Lower(text);
  if (value == "true" || value == "1" || value == "yes" || value == "on") return true;
  if (value == "false" || value == "0" || value == "no" || value == "off") return false;
  throw std::invalid_argument("\"" + text + "\" is not a boolean (true/false)");
}

int64_t ParseInteger(const std::string& text) {
  size_t used = 0;
  int64_t value = 0;
  try {
    value = std::stoll(text, &used);
  } catch (const std::exception&) {
    used = 0;
  }
  if (used == 0 || used != text.size())
    throw std::invalid_argument("\"" + text + "\" is not an integer");
  return value;
}

// Converts text (from the environment, a default, or a JSON string) to the kind's JSON value.
nlohmann::json FromText(const SettingSpec& spec, const std::string& text) {
  switch (spec.kind) {
    case SettingKind::kString:
      if (!spec.choices.empty() &&
          std::find(spec.choices.begin(), spec.choices.end(), text) == spec.choices.end()) {
        std::string allowed;
        for (const auto& choice : spec.choices) allowed += (allowed.empty() ? "" : ", ") + choice;
        throw std::invalid_argument("\"" + text + "\" is not one of: " + allowed);
      }
      return text;
    case SettingKind::kInteger:
      return ParseInteger(text);
    case SettingKind::kBoolean:
      return ParseBoolean(text);
    case SettingKind::kBytes:
      return ParseByteSize(text);
    case SettingKind::kSeconds:
      return ParseDurationSeconds(text);
  }
  throw std::logic_error("unknown setting kind");
}

// Converts a value read from the JSON file.
nlohmann::json FromJson(const SettingSpec& spec, const nlohmann::json& value) {
  if (value.is_string()) return FromText(spec, value.get<std::string>());
  const bool numeric_kind = spec.kind == SettingKind::kInteger ||
                            spec.kind == SettingKind::kBytes || spec.kind == SettingKind::kSeconds;
  if (numeric_kind && value.is_number_unsigned())
    return FromText(spec, std::to_string(value.get<uint64_t>()));
  if (numeric_kind && value.is_number_integer())
    return FromText(spec, std::to_string(value.get<int64_t>()));
  if (spec.kind == SettingKind::kBoolean && value.is_boolean()) return value;
  throw std::invalid_argument("has the wrong type (" + std::string(value.type_name()) + ")");
}

const SettingSpec* FindSpec(const std::vector<SettingSpec>& schema, const std::string& key) {
  for (const auto& spec : schema) {
    if (spec.key == key) return &spec;
  }
  return nullptr;
}

}  // namespace

Environment ProcessEnvironment() {
  Environment env;
  for (char** entry = environ; entry != nullptr && *entry != nullptr; ++entry) {
    const std::string text(*entry);
    const size_t equals = text.find('=');
    if (equals != std::string::npos) env[text.substr(0, equals)] = text.substr(equals + 1);
  }
  return env;
}

nlohmann::json ReadConfigFile(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw ConfigError(path + ": cannot open config file");
  try {
    nlohmann::json document = nlohmann::json::parse(in);
    if (!document.is_object()) throw ConfigError(path + ": top level must be a JSON object");
    for (const auto& [section, value] : document.items()) {
      if (kSections.count(section) == 0)
        throw ConfigError(path + ": unknown section \"" + section + "\"");
      if (!value.is_object())
        throw ConfigError(path + ": section \"" + section + "\" must be an object");
    }
    return document;
  } catch (const nlohmann::json::parse_error& e) {
    throw ConfigError(path + ": invalid JSON: " + e.what());
  }
}

nlohmann::json LoadSuiteConfig(const Environment& env) {
  auto it = env.find("BULKHEAD_CONFIG");
  if (it != env.end() && !it->second.empty()) return ReadConfigFile(it->second);
  if (std::filesystem::exists(kDefaultConfigPath)) return ReadConfigFile(kDefaultConfigPath);
  return nlohmann::json::object();
}

ConfigSection LoadConfigSection(const nlohmann::json& suite_config, const std::string& section,
                                const std::vector<SettingSpec>& schema, const Environment& env) {
  ConfigSection loaded;
  loaded.name_ = section;
  for (const auto& spec : schema) {
    try {
      loaded.values_[spec.key] = FromText(spec, spec.default_value);
    } catch (const std::invalid_argument& e) {
      throw std::logic_error("default of " + section + "." + spec.key + ": " + e.what());
    }
  }
  const nlohmann::json file_section = suite_config.is_object()
                                          ? suite_config.value(section, nlohmann::json::object())
                                          : nlohmann::json::object();
  for (const auto& [key, value] : file_section.items()) {
    const SettingSpec* spec = FindSpec(schema, key);
    if (spec == nullptr)
      throw ConfigError("config.json: " + section + "." + key + ": unknown setting");
    try {
      loaded.values_[key] = FromJson(*spec, value);
    } catch (const std::invalid_argument& e) {
      throw ConfigError("config.json: " + section + "." + key + ": " + e.what());
    }
  }
  const std::string prefix = EnvName(section, "");
  for (const auto& [name, text] : env) {
    if (name.rfind(prefix, 0) != 0) continue;
    const std::string key = Lower(name.substr(prefix.size()));
    const SettingSpec* spec = FindSpec(schema, key);
    if (spec == nullptr) {
      throw ConfigError("env " + name + ": unknown setting " + section + "." + key);
    }
    if (text.empty()) continue;  // `docker plugin set X=` clears an override
    try {
      loaded.values_[key] = FromText(*spec, text);
    } catch (const std::invalid_argument& e) {
      throw ConfigError("env " + name + " (" + section + "." + key + "): " + e.what());
    }
  }
  return loaded;
}

const nlohmann::json& ConfigSection::Value(const std::string& key) const {
  auto it = values_.find(key);
  if (it == values_.end())
    throw std::logic_error("setting " + name_ + "." + key + " is not in the schema");
  return it->second;
}

const std::string& ConfigSection::String(const std::string& key) const {
  return Value(key).get_ref<const std::string&>();
}
int64_t ConfigSection::Integer(const std::string& key) const { return Value(key).get<int64_t>(); }
bool ConfigSection::Boolean(const std::string& key) const { return Value(key).get<bool>(); }
uint64_t ConfigSection::Bytes(const std::string& key) const { return Value(key).get<uint64_t>(); }
int64_t ConfigSection::Seconds(const std::string& key) const { return Value(key).get<int64_t>(); }

uint64_t ParseByteSize(const std::string& text) {
  auto [number, unit] = NumberAndUnit(text);
  if (!unit.empty() && unit.back() == 'b') unit.pop_back();
  if (!unit.empty() && unit.back() == 'i') unit.pop_back();
  static const std::map<std::string, int> kShift = {{"", 0},   {"k", 10}, {"m", 20},
                                                    {"g", 30}, {"t", 40}, {"p", 50}};
  auto it = kShift.find(unit);
  if (it == kShift.end()) throw std::invalid_argument("\"" + text + "\" has an unknown size unit");
  const double bytes = std::ldexp(number, it->second);
  if (bytes >= 18446744073709551615.0) throw std::invalid_argument("\"" + text + "\" is too large");
  if (bytes != std::floor(bytes))
    throw std::invalid_argument("\"" + text + "\" is not a whole number of bytes");
  return static_cast<uint64_t>(bytes);
}

int64_t ParseDurationSeconds(const std::string& text) {
  auto [number, unit] = NumberAndUnit(text);
  static const std::map<std::string, int64_t> kScale = {
      {"", 1}, {"s", 1}, {"m", 60}, {"h", 3600}, {"d", 86400}};
  auto it = kScale.find(unit);
  if (it == kScale.end())
    throw std::invalid_argument("\"" + text + "\" has an unknown time unit (s, m, h, d)");
  const double seconds = number * static_cast<double>(it->second);
  if (seconds > 1e12) throw std::invalid_argument("\"" + text + "\" is too long");
  return static_cast<int64_t>(std::llround(seconds));
}

}  // namespace bulkhead
