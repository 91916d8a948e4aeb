#include "plugins/secrets/go_json.h"

#include <gtest/gtest.h>

#include "plugins/secrets/docker_request.h"

namespace bulkhead::secrets {
namespace {

TEST(GoJson, FieldsFoldCaseAndTheLastNonNullDuplicateWins) {
  const GoJson body = GoJson::Parse(
      R"({"privileged":true,"Privileged":false,"PRIVILEGED":true,"Image":"a","image":null})");
  EXPECT_TRUE(body.Field("Privileged").Bool());
  EXPECT_EQ(body.Field("Image").String(), "a");  // null leaves a Go field unchanged
}

TEST(GoJson, FoldsTheTwoNonAsciiRunesGoFoldsToAscii) {
  // U+017F (long s) folds to 's' and U+212A (Kelvin) to 'k' in Go's encoding/json.
  const GoJson body = GoJson::Parse("{\"Mount\xC5\xBF\":[1],\"\xE2\x84\xAA\":2}");
  EXPECT_EQ(body.Field("Mounts").Items().size(), 1u);
  EXPECT_EQ(body.Field("k").Integer(), 2);
}

TEST(GoJson, MapEntriesAreExactAndLastWins) {
  const GoJson labels = GoJson::Parse(R"({"team":"a","Team":"b","team":"c"})");
  const auto map = labels.StringMap();
  EXPECT_EQ(map.at("team"), "c");
  EXPECT_EQ(map.at("Team"), "b");
}

TEST(GoJson, IgnoresTrailingBytesLikeGoDecoder) {
  EXPECT_EQ(GoJson::Parse(R"({"Image":"x"} trailing)").Field("Image").String(), "x");
}

TEST(GoJson, TypeMismatchesAndDeepNestingAreErrors) {
  EXPECT_THROW(GoJson::Parse(R"({"Env":"A=B"})").Field("Env").Strings(), GoJsonError);
  EXPECT_THROW(GoJson::Parse(std::string(600, '[') + std::string(600, ']')), GoJsonError);
  EXPECT_THROW(GoJson::Parse(R"({"Image":)"), GoJsonError);
}

TEST(DockerRequest, TopLevelHostConfigFieldsAreSeenWhenHostConfigIsAbsent) {
  const auto spec = DecodeContainerCreate(
      GoJson::Parse(R"({"Image":"app","Binds":["db-secret:/run/secrets:ro"],"Memory":64})"));
  ASSERT_EQ(spec.volumes.size(), 1u);
  EXPECT_EQ(spec.volumes[0].name, "db-secret");
  EXPECT_TRUE(spec.volumes[0].read_only);
  EXPECT_EQ(spec.memory, 64);
}

TEST(DockerRequest, MountsWithDriverOptionsAndResources) {
  const auto spec = DecodeContainerCreate(GoJson::Parse(R"({
    "image":"billing/api:2","env":["A=1"],"labels":{"team":"billing"},
    "HostConfig":{"mounts":[{"Type":"volume","Source":"db","Target":"/s","ReadOnly":true,
      "VolumeOptions":{"DriverConfig":{"Name":"bulkhead/secrets","Options":{"path":"apps/db"}}}}],
      "NanoCpus":5,"PidsLimit":10,"BlkioDeviceWriteBps":[{"Path":"/dev/sda","Rate":1}],
      "VolumesFrom":["other:ro"],"PidMode":"container:victim"}})"));
  EXPECT_EQ(spec.image, "billing/api:2");
  EXPECT_EQ(spec.labels.at("team"), "billing");
  ASSERT_EQ(spec.volumes.size(), 1u);
  EXPECT_EQ(spec.volumes[0].driver, "bulkhead/secrets");
  EXPECT_EQ(spec.volumes[0].options.at("path"), "apps/db");
  EXPECT_EQ(spec.nano_cpus, 5);
  EXPECT_EQ(spec.pids_limit, 10);
  EXPECT_TRUE(spec.blkio_limited);
  EXPECT_EQ(spec.volumes_from, std::vector<std::string>{"other"});
  EXPECT_EQ(spec.namespace_refs, std::vector<std::string>{"victim"});
}

TEST(DockerRequest, RoutesIgnoreVersionAndDecodePercentEscapes) {
  EXPECT_EQ(ParseRoute("HEAD", "/_ping").operation, Operation::kPing);
  EXPECT_EQ(ParseRoute("GET", "/v1.41/version").operation, Operation::kPing);
  const Route exec = ParseRoute("POST", "/v1.41/containers/we%62/exec");
  EXPECT_EQ(exec.operation, Operation::kExecCreate);
  EXPECT_EQ(exec.target, "web");
  EXPECT_EQ(ParseRoute("PUT", "/containers/x/archive?path=/").operation, Operation::kArchive);
  const Route commit = ParseRoute("POST", "/v1.41/commit?container=abc&repo=x");
  EXPECT_EQ(commit.operation, Operation::kCommit);
  EXPECT_EQ(commit.target, "abc");
  const Route create = ParseRoute("POST", "/v1.41/containers/create?name=web1");
  EXPECT_EQ(create.operation, Operation::kContainerCreate);
  EXPECT_EQ(create.query.at("name"), "web1");
  const Route disable =
      ParseRoute("POST", "/v1.41/plugins/bulkhead/secrets:latest/disable?force=1");
  EXPECT_EQ(disable.operation, Operation::kPluginAdmin);
  EXPECT_EQ(disable.target, "bulkhead/secrets:latest");
  EXPECT_EQ(ParseRoute("DELETE", "/plugins/bulkhead/secrets").target, "bulkhead/secrets");
  EXPECT_EQ(ParseRoute("GET", "/plugins/bulkhead/secrets/json").operation, Operation::kOther);
}

}  // namespace
}  // namespace bulkhead::secrets
