#include "plugins/secrets/secrets_authorizer.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "common/base64.h"

namespace bulkhead::secrets {
namespace {

constexpr const char* kPolicy = R"({
  "grants": [{"name": "billing", "secrets": ["apps/billing/*"], "images": ["billing/*"],
              "labels": {"team": "billing"}}],
  "groups": {"oncall": ["alice"]},
  "break_glass": {"groups": ["oncall"]},
  "limits": [{"name": "batch", "labels": {"class": "batch"}, "require": ["memory", "pids"]}]
})";

class FakeVolumes : public VolumeSpecs {
 public:
  std::optional<SecretVolumeSpec> Spec(const std::string& name) override {
    if (name != "billing-db") return std::nullopt;
    return ParseVolumeSpec({{"path", "apps/billing/db"}});
  }
};

class AuthorizerTest : public ::testing::Test {
 protected:
  AuthorizerTest()
      : dir_(MakeDir()),
        policy_((WritePolicy(dir_), dir_ + "/policy.json")),
        grants_(dir_ + "/bindings.json"),
        audit_(dir_ + "/audit.log"),
        authorizer_(policy_, volumes_, grants_, known_, audit_, "bulkhead/secrets") {}
  ~AuthorizerTest() override { std::filesystem::remove_all(dir_); }

  static std::string MakeDir() {
    char pattern[] = "/tmp/bulkhead-authz-test.XXXXXX";
    return ::mkdtemp(pattern);
  }
  static void WritePolicy(const std::string& dir) {
    std::ofstream(dir + "/policy.json") << kPolicy;
  }

  AuthzDecision Request(const std::string& method, const std::string& uri,
                        const std::string& body = "", const std::string& user = "") {
    AuthzRequest request;
    request.method = method;
    request.uri = uri;
    request.body = body;
    request.user = user;
    return authorizer_.AuthorizeRequest(request);
  }
  void Created(const std::string& uri, const std::string& body, const std::string& id) {
    AuthzRequest request;
    request.method = "POST";
    request.uri = uri;
    request.body = body;
    request.response_status = 201;
    request.response_body = R"({"Id":")" + id + R"(","Warnings":[]})";
    EXPECT_TRUE(authorizer_.AuthorizeResponse(request).allow);
  }

  std::string dir_;
  PolicyFile policy_;
  FakeVolumes volumes_;
  GrantTable grants_;
  KnownSecrets known_;
  AuditLog audit_;
  SecretsAuthorizer authorizer_;
};

const std::string kGranted =
    R"({"Image":"billing/api:1","Labels":{"team":"billing"},
        "HostConfig":{"Binds":["billing-db:/run/secrets:ro"]}})";

TEST_F(AuthorizerTest, PingAndVersionAreNeverDenied) {
  EXPECT_TRUE(Request("HEAD", "/_ping").allow);
  EXPECT_TRUE(Request("GET", "/v1.41/version").allow);
}

TEST_F(AuthorizerTest, GrantedContainerMayMountAndOthersMayNot) {
  EXPECT_TRUE(Request("POST", "/v1.41/containers/create", kGranted).allow);
  const auto other = Request("POST", "/v1.41/containers/create",
                             R"({"Image":"evil/x","HostConfig":{"Binds":["billing-db:/s:ro"]}})");
  EXPECT_FALSE(other.allow);
  EXPECT_NE(other.message.find("no grant"), std::string::npos);
  const auto writable = Request(
      "POST", "/containers/create",
      R"({"Image":"billing/api","Labels":{"team":"billing"},"HostConfig":{"Binds":["billing-db:/s"]}})");
  EXPECT_FALSE(writable.allow);
  EXPECT_NE(writable.message.find("read-only"), std::string::npos);
}

TEST_F(AuthorizerTest, NewVolumesAreRecognisedByDriverEvenWhenLowercasedOrTopLevel) {
  const auto sneaky = Request("POST", "/containers/create",
                              R"({"image":"evil/x","mounts":[{"type":"volume","source":"new",
        "readonly":true,"volumeoptions":{"driverconfig":{"name":"bulkhead/secrets",
        "options":{"path":"apps/billing/db"}}}}]})");
  EXPECT_FALSE(sneaky.allow);
  const auto duplicate =
      Request("POST", "/containers/create",
              R"({"Image":"billing/api","Labels":{"team":"billing"},"Labels":{"team":"evil"},
          "HostConfig":{"Binds":["billing-db:/s:ro"]}})");
  EXPECT_FALSE(duplicate.allow);  // Go keeps the last Labels: team=evil
  EXPECT_FALSE(Request("POST", "/containers/create", "").allow);  // body not forwarded
  EXPECT_FALSE(Request("POST", "/containers/create", "{\"Image\":").allow);
}

TEST_F(AuthorizerTest, SecretsInEnvAreRefusedByNameAndByValue) {
  EXPECT_FALSE(
      Request("POST", "/containers/create", R"({"Image":"a","Env":["DB_PASSWORD=x"]})").allow);
  EXPECT_TRUE(
      Request("POST", "/containers/create", R"({"Image":"a","Env":["DB_PASSWORD_FILE=/s/p"]})")
          .allow);
  known_.Add("correct-horse-battery");
  const auto by_value = Request("POST", "/containers/create",
                                R"({"Image":"a","Env":["URL=pg://u:correct-horse-battery@h"]})");
  EXPECT_FALSE(by_value.allow);
  EXPECT_NE(by_value.message.find("URL"), std::string::npos);
}

TEST_F(AuthorizerTest, ExecAndCopyOnProtectedContainersNeedBreakGlass) {
  const std::string id(64, 'a');
  Created("/v1.41/containers/create?name=web1", kGranted, id);
  EXPECT_FALSE(Request("POST", "/v1.41/containers/web1/exec", R"({"Cmd":["sh"]})", "bob").allow);
  EXPECT_FALSE(Request("POST", "/containers/aaaa/exec", R"({"Cmd":["sh"]})").allow);
  EXPECT_TRUE(Request("POST", "/containers/web1/exec", R"({"Cmd":["sh"]})", "alice").allow);
  EXPECT_FALSE(Request("GET", "/containers/web1/archive?path=/run", "", "bob").allow);
  EXPECT_FALSE(Request("GET", "/containers/web1/export").allow);
  EXPECT_FALSE(Request("POST", "/commit?container=web1").allow);
  EXPECT_FALSE(Request("POST", "/containers/create",
                       R"({"Image":"x","HostConfig":{"VolumesFrom":["web1"]}})")
                   .allow);
  EXPECT_TRUE(Request("POST", "/containers/other/exec", R"({"Cmd":["sh"]})", "bob").allow);
  AuthzRequest removed;
  removed.method = "DELETE";
  removed.uri = "/v1.41/containers/web1?force=1";
  removed.response_status = 204;
  EXPECT_TRUE(authorizer_.AuthorizeRequest(removed).allow);
  authorizer_.AuthorizeResponse(removed);
  EXPECT_TRUE(Request("POST", "/containers/web1/exec", R"({"Cmd":["sh"]})", "bob").allow);
  EXPECT_GE(AuditLog::Verify(dir_ + "/audit.log"), 5u);
}

TEST_F(AuthorizerTest, LimitRulesSayWhatToAdd) {
  const auto bare =
      Request("POST", "/containers/create", R"({"Image":"a","Labels":{"class":"batch"}})");
  EXPECT_FALSE(bare.allow);
  EXPECT_NE(bare.message.find("--memory, --pids-limit"), std::string::npos);
  EXPECT_TRUE(
      Request(
          "POST", "/containers/create",
          R"({"Image":"a","Labels":{"class":"batch"},"HostConfig":{"Memory":1048576,"PidsLimit":64}})")
          .allow);
  EXPECT_TRUE(Request("POST", "/containers/create", R"({"Image":"a"})").allow);
}

TEST_F(AuthorizerTest, HostPathsStartBodiesAndPluginAdmin) {
  EXPECT_FALSE(
      Request("POST", "/containers/create", R"({"Image":"a","HostConfig":{"Binds":["/:/host"]}})")
          .allow);
  EXPECT_FALSE(
      Request(
          "POST", "/containers/create",
          R"({"Image":"a","HostConfig":{"Mounts":[{"Type":"bind","Source":"/var/lib/docker/plugins"}]}})")
          .allow);
  EXPECT_TRUE(Request("POST", "/containers/create",
                      R"({"Image":"a","HostConfig":{"Binds":["/srv/data:/d"]}})")
                  .allow);
  EXPECT_FALSE(Request("POST", "/v1.23/containers/x/start", R"({"Binds":["/:/h"]})").allow);
  EXPECT_TRUE(Request("POST", "/containers/x/start", "").allow);
  EXPECT_FALSE(Request("POST", "/plugins/bulkhead/secrets:latest/disable", "", "bob").allow);
  EXPECT_TRUE(Request("POST", "/plugins/bulkhead/secrets:latest/disable", "", "alice").allow);
  EXPECT_TRUE(Request("POST", "/plugins/bulkhead/secrets:latest/disable").allow);  // local socket
}

TEST(Policy, UnknownKeysAndUndefinedGroupsAreErrors) {
  EXPECT_THROW(ParsePolicy(nlohmann::json::parse(R"({"grant": []})")), std::invalid_argument);
  EXPECT_THROW(ParsePolicy(nlohmann::json::parse(R"({"break_glass": {"groups": ["x"]}})")),
               std::invalid_argument);
  EXPECT_THROW(ParsePolicy(nlohmann::json::parse(R"({"limits": [{"require": ["disk"]}]})")),
               std::invalid_argument);
}

}  // namespace
}  // namespace bulkhead::secrets
