#include "common/config.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>

namespace bulkhead {
namespace {

const std::vector<SettingSpec> kSchema = {
    {"pool", SettingKind::kString, "rbd", {}},
    {"fstype", SettingKind::kString, "ext4", {"ext4", "xfs"}},
    {"default_size", SettingKind::kBytes, "10G", {}},
    {"takeover", SettingKind::kBoolean, "false", {}},
    {"lock_timeout", SettingKind::kSeconds, "30s", {}},
    {"workers", SettingKind::kInteger, "4", {}},
};

std::string ErrorOf(const nlohmann::json& document, const Environment& env = {}) {
  try {
    LoadConfigSection(document, "rbd", kSchema, env);
  } catch (const ConfigError& e) {
    return e.what();
  }
  return "no error";
}

TEST(Config, DefaultsFileThenEnvironment) {
  const nlohmann::json document = {
      {"rbd", {{"pool", "volumes"}, {"default_size", "1G"}, {"workers", 8}}}};
  const Environment env = {{"BULKHEAD_RBD_POOL", "fast"},
                           {"BULKHEAD_RBD_LOCK_TIMEOUT", "2m"},
                           {"BULKHEAD_RBD_TAKEOVER", "yes"},
                           {"OTHER", "x"}};
  const ConfigSection section = LoadConfigSection(document, "rbd", kSchema, env);
  EXPECT_EQ(section.String("pool"), "fast");
  EXPECT_EQ(section.String("fstype"), "ext4");
  EXPECT_EQ(section.Bytes("default_size"), 1ULL << 30);
  EXPECT_TRUE(section.Boolean("takeover"));
  EXPECT_EQ(section.Seconds("lock_timeout"), 120);
  EXPECT_EQ(section.Integer("workers"), 8);
}

TEST(Config, EmptyEnvironmentValueKeepsTheFileValue) {
  const ConfigSection section = LoadConfigSection({{"rbd", {{"pool", "volumes"}}}}, "rbd", kSchema,
                                                  {{"BULKHEAD_RBD_POOL", ""}});
  EXPECT_EQ(section.String("pool"), "volumes");
}

TEST(Config, ErrorsNameTheSourceAndKey) {
  EXPECT_EQ(ErrorOf({{"rbd", {{"pooll", "x"}}}}), "config.json: rbd.pooll: unknown setting");
  EXPECT_EQ(ErrorOf({{"rbd", {{"fstype", "btrfs"}}}}),
            "config.json: rbd.fstype: \"btrfs\" is not one of: ext4, xfs");
  EXPECT_EQ(ErrorOf({{"rbd", {{"default_size", "10Q"}}}}),
            "config.json: rbd.default_size: \"10Q\" has an unknown size unit");
  EXPECT_EQ(ErrorOf({{"rbd", {{"takeover", 3}}}}),
            "config.json: rbd.takeover: has the wrong type (number)");
  EXPECT_EQ(ErrorOf({}, {{"BULKHEAD_RBD_POOLL", "x"}}),
            "env BULKHEAD_RBD_POOLL: unknown setting rbd.pooll");
  EXPECT_EQ(ErrorOf({}, {{"BULKHEAD_RBD_WORKERS", "4x"}}),
            "env BULKHEAD_RBD_WORKERS (rbd.workers): \"4x\" is not an integer");
}

TEST(Config, SizesAndDurations) {
  EXPECT_EQ(ParseByteSize("512"), 512U);
  EXPECT_EQ(ParseByteSize("4K"), 4096U);
  EXPECT_EQ(ParseByteSize("1.5GiB"), 3ULL << 29);
  EXPECT_EQ(ParseByteSize("2 TB"), 2ULL << 40);
  EXPECT_THROW(ParseByteSize("-1G"), std::invalid_argument);
  EXPECT_THROW(ParseByteSize("G"), std::invalid_argument);
  EXPECT_THROW(ParseByteSize("0.3"), std::invalid_argument);
  EXPECT_EQ(ParseDurationSeconds("90"), 90);
  EXPECT_EQ(ParseDurationSeconds("1.5h"), 5400);
  EXPECT_THROW(ParseDurationSeconds("3 weeks"), std::invalid_argument);
}

class ConfigFileTest : public ::testing::Test {
 protected:
  void SetUp() override {
    path_ = std::filesystem::temp_directory_path() /
            ("bulkhead-config-" + std::to_string(::getpid()) + ".json");
  }
  void TearDown() override { std::filesystem::remove(path_); }
  void Write(const std::string& text) { std::ofstream(path_) << text; }
  std::string ErrorOfFile() {
    try {
      ReadConfigFile(path_.string());
    } catch (const ConfigError& e) {
      return e.what();
    }
    return "no error";
  }
  std::filesystem::path path_;
};

TEST_F(ConfigFileTest, ReadsTheSuiteFileNamedByEnvironment) {
  Write(R"({"ceph": {"mon_host": "127.0.0.1:6789"}, "rbd": {"pool": "volumes"}})");
  const nlohmann::json document = LoadSuiteConfig({{"BULKHEAD_CONFIG", path_.string()}});
  EXPECT_EQ(document["rbd"]["pool"], "volumes");
}

TEST_F(ConfigFileTest, RejectsBadJsonUnknownSectionsAndMissingFiles) {
  Write("{\"rbd\": {");
  EXPECT_NE(ErrorOfFile().find(": invalid JSON: "), std::string::npos);
  Write(R"({"rdb": {}})");
  EXPECT_EQ(ErrorOfFile(), path_.string() + ": unknown section \"rdb\"");
  Write(R"({"rbd": []})");
  EXPECT_EQ(ErrorOfFile(), path_.string() + ": section \"rbd\" must be an object");
  std::filesystem::remove(path_);
  EXPECT_EQ(ErrorOfFile(), path_.string() + ": cannot open config file");
}

}  // namespace
}  // namespace bulkhead
