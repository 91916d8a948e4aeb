#include "common/authz_api.h"

#include <gtest/gtest.h>

#include "common/base64.h"
#include "tests/unit/server_fixture.h"

namespace bulkhead {
namespace {

// Denies containers/create and records the last request: a test double for the route layer.
class RecordingAuthorizer : public Authorizer {
 public:
  AuthzDecision AuthorizeRequest(const AuthzRequest& request) override {
    last = request;
    if (request.uri.find("/containers/create") != std::string::npos) return {false, "not today"};
    return {true, ""};
  }
  AuthzDecision AuthorizeResponse(const AuthzRequest& request) override {
    last = request;
    return {true, ""};
  }
  AuthzRequest last;
};

TEST(AuthzParse, DecodesTheDaemonsRealKeys) {
  const nlohmann::json request = {
      {"User", "alice"},
      {"UserAuthNMethod", "TLS"},
      {"RequestMethod", "POST"},
      {"RequestUri", "/v1.41/containers/create?name=x"},
      {"RequestBody", Base64Encode("{\"Image\":\"busybox\"}")},
      {"RequestHeaders", {{"Content-Type", "application/json"}}},
      {"RequestPeerCertificates", {Base64Encode("-----BEGIN CERTIFICATE-----\n")}},
      {"ResponseStatusCode", 201},
      {"ResponseBody", Base64Encode("{\"Id\":\"1\"}")}};
  const AuthzRequest parsed = ParseAuthzRequest(request);
  EXPECT_EQ(parsed.user, "alice");
  EXPECT_EQ(parsed.user_authn_method, "TLS");
  EXPECT_EQ(parsed.uri, "/v1.41/containers/create?name=x");
  EXPECT_EQ(parsed.body, "{\"Image\":\"busybox\"}");
  EXPECT_EQ(parsed.headers.at("Content-Type"), "application/json");
  EXPECT_EQ(parsed.peer_certificates.at(0), "-----BEGIN CERTIFICATE-----\n");
  EXPECT_EQ(parsed.response_status, 201);
  EXPECT_EQ(parsed.response_body, "{\"Id\":\"1\"}");
}

TEST(AuthzParse, UndecodableBodyIsAnErrorNotAnEmptyBody) {
  EXPECT_THROW(ParseAuthzRequest({{"RequestBody", "!!!!"}}), BadRequest);
  EXPECT_THROW(ParseAuthzRequest({{"RequestHeaders", {{"X", 1}}}}), BadRequest);
  EXPECT_THROW(ParseAuthzRequest({{"ResponseStatusCode", "200"}}), BadRequest);
  EXPECT_THROW(ParseAuthzRequest(nlohmann::json::array()), BadRequest);
}

TEST(AuthzRoutes, AllowDenyAndFailClosed) {
  RecordingAuthorizer authorizer;
  testing::ServerFixture fixture;
  AddAuthzRoutes(fixture.server(), authorizer);
  fixture.Start();
  auto ping = fixture.Post("/AuthZPlugin.AuthZReq",
                           "{\"RequestMethod\":\"HEAD\",\"RequestUri\":\"/_ping\"}\n");
  EXPECT_EQ(ping.status, 200);
  EXPECT_EQ(nlohmann::json::parse(ping.body)["Allow"], true);
  auto create = fixture.Post("/AuthZPlugin.AuthZReq",
                             "{\"RequestMethod\":\"POST\",\"RequestUri\":\"/containers/create\"}");
  EXPECT_EQ(nlohmann::json::parse(create.body),
            nlohmann::json({{"Allow", false}, {"Msg", "not today"}}));
  // A body that cannot be decoded must not be allowed: the reply is an error (non-200).
  auto broken = fixture.Post("/AuthZPlugin.AuthZReq", "{\"RequestBody\":\"%%%\"}");
  EXPECT_EQ(broken.status, 400);
  EXPECT_FALSE(nlohmann::json::parse(broken.body).value("Allow", false));
  auto activate = fixture.Post("/Plugin.Activate", "");
  EXPECT_EQ(nlohmann::json::parse(activate.body)["Implements"], nlohmann::json({"authz"}));
}

}  // namespace
}  // namespace bulkhead
