#include "common/volume_api.h"

#include <gtest/gtest.h>

#include <mutex>

#include "tests/unit/server_fixture.h"

namespace bulkhead {
namespace {

// A recording in-memory VolumeDriver: a test double for the route layer only.
class RecordingVolumeDriver : public VolumeDriver {
 public:
  void Create(const std::string& name, const VolumeOptions& options) override {
    std::lock_guard<std::mutex> lock(mutex_);
    if (options.count("size") != 0 && options.at("size") == "bad")
      throw BadRequest("size: bad value");
    created[name] = options;
  }
  void Remove(const std::string& name) override { created.erase(name); }
  std::string Mount(const std::string& name, const std::string& id) override {
    last_mount_id = id;
    return "/mnt/volumes/" + name;
  }
  void Unmount(const std::string&, const std::string& id) override { last_unmount_id = id; }
  std::string Path(const std::string& name) override { return "/mnt/volumes/" + name; }
  std::optional<VolumeInfo> Get(const std::string& name) override {
    if (created.count(name) == 0) return std::nullopt;
    return VolumeInfo{name, "", "2026-11-24T10:00:00Z", {{"size", "10G"}}};
  }
  std::vector<VolumeInfo> List() override {
    std::vector<VolumeInfo> volumes;
    for (const auto& [name, options] : created) volumes.push_back({name, "", "", {}});
    return volumes;
  }
  std::string Scope() override { return "global"; }

  std::mutex mutex_;
  std::map<std::string, VolumeOptions> created;
  std::string last_mount_id;
  std::string last_unmount_id;
};

class VolumeApiTest : public ::testing::Test {
 protected:
  void SetUp() override {
    AddVolumeRoutes(fixture_.server(), driver_);
    fixture_.Start();
  }
  nlohmann::json Call(const std::string& method, const std::string& body,
                      int expected_status = 200) {
    auto reply = fixture_.Post("/VolumeDriver." + method, body);
    EXPECT_EQ(reply.status, expected_status) << method << " " << reply.body;
    return nlohmann::json::parse(reply.body);
  }
  RecordingVolumeDriver driver_;
  testing::ServerFixture fixture_;
};

TEST_F(VolumeApiTest, CreateWithNullOptsAndWithOpts) {
  Call("Create", "{\"Name\":\"v1\",\"Opts\":null}\n");
  Call("Create", "{\"Name\":\"v2\",\"Opts\":{\"size\":\"1G\"}}\n");
  EXPECT_TRUE(driver_.created.at("v1").empty());
  EXPECT_EQ(driver_.created.at("v2").at("size"), "1G");
}

TEST_F(VolumeApiTest, CreateRejectsNonStringOptsAndDriverErrors) {
  EXPECT_EQ(Call("Create", "{\"Name\":\"v\",\"Opts\":{\"size\":10}}", 400)["Err"],
            "option \"size\" must be a string");
  EXPECT_EQ(Call("Create", "{\"Name\":\"v\",\"Opts\":{\"size\":\"bad\"}}", 400)["Err"],
            "size: bad value");
  EXPECT_EQ(Call("Create", "{\"Opts\":{}}", 400)["Err"], "missing field \"Name\"");
}

TEST_F(VolumeApiTest, MountReturnsMountpointAndPassesTheId) {
  EXPECT_EQ(Call("Mount", "{\"Name\":\"v\",\"ID\":\"abc\"}")["Mountpoint"], "/mnt/volumes/v");
  EXPECT_EQ(driver_.last_mount_id, "abc");
  Call("Unmount", "{\"Name\":\"v\",\"ID\":\"abc\"}");
  EXPECT_EQ(driver_.last_unmount_id, "abc");
  EXPECT_EQ(Call("Mount", "{\"Name\":\"v\"}", 400)["Err"], "missing field \"ID\"");
}

TEST_F(VolumeApiTest, GetEchoesNameAndOmitsEmptyFields) {
  Call("Create", "{\"Name\":\"v\"}");
  auto volume = Call("Get", "{\"Name\":\"v\"}")["Volume"];
  EXPECT_EQ(volume["Name"], "v");
  EXPECT_EQ(volume["CreatedAt"], "2026-11-24T10:00:00Z");
  EXPECT_FALSE(volume.contains("Mountpoint"));
  EXPECT_EQ(volume["Status"]["size"], "10G");
  EXPECT_EQ(Call("Get", "{\"Name\":\"nope\"}", 500)["Err"], "no such volume");
}

TEST_F(VolumeApiTest, ListAndCapabilities) {
  Call("Create", "{\"Name\":\"a\"}");
  Call("Create", "{\"Name\":\"b\"}");
  EXPECT_EQ(Call("List", "{}\n")["Volumes"].size(), 2U);
  EXPECT_EQ(Call("Capabilities", "")["Capabilities"]["Scope"], "global");
  EXPECT_EQ(Call("Path", "{\"Name\":\"a\"}")["Mountpoint"], "/mnt/volumes/a");
}

}  // namespace
}  // namespace bulkhead
