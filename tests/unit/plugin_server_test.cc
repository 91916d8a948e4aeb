#include "common/plugin_server.h"

#include <gtest/gtest.h>

#include <fstream>

#include "tests/unit/server_fixture.h"

namespace bulkhead {
namespace {

using testing::ServerFixture;

class PluginServerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    fixture_.server().Implements("VolumeDriver");
    fixture_.server().Route("Test", "Echo", [](const nlohmann::json& request) { return request; });
    fixture_.server().Route("Test", "Null", [](const nlohmann::json&) { return nlohmann::json(); });
    fixture_.server().Route("Test", "Bad", [](const nlohmann::json&) -> nlohmann::json {
      throw BadRequest("missing field \"Name\"");
    });
    fixture_.server().Route("Test", "Fail", [](const nlohmann::json&) -> nlohmann::json {
      throw std::runtime_error("rbd map vol1: device busy");
    });
    fixture_.Start();
  }
  ServerFixture fixture_;
};

TEST_F(PluginServerTest, EchoesJsonWithGoEscapes) {
  auto reply = fixture_.Post("/Test.Echo", "{\"Name\":\"a\\u003cb\\u0026c\"}\n");
  EXPECT_EQ(reply.status, 200);
  EXPECT_EQ(nlohmann::json::parse(reply.body)["Name"], "a<b&c");
}

TEST_F(PluginServerTest, EmptyBodyReadsAsEmptyObject) {
  auto reply = fixture_.Post("/Test.Echo", "");
  EXPECT_EQ(reply.status, 200);
  EXPECT_EQ(reply.body, "{}");
}

TEST_F(PluginServerTest, NullReplyBecomesEmptyObject) {
  auto reply = fixture_.Post("/Test.Null", "{}\n");
  EXPECT_EQ(reply.status, 200);
  EXPECT_EQ(reply.body, "{}");
}

TEST_F(PluginServerTest, MalformedJsonIsA400WithErr) {
  auto reply = fixture_.Post("/Test.Echo", "{\"Name\":");
  EXPECT_EQ(reply.status, 400);
  const auto err = nlohmann::json::parse(reply.body)["Err"].get<std::string>();
  EXPECT_NE(err.find("Test.Echo: request body is not valid JSON"), std::string::npos) << err;
}

TEST_F(PluginServerTest, BadRequestIs400AndFailureIs500WithErr) {
  auto bad = fixture_.Post("/Test.Bad", "{}");
  EXPECT_EQ(bad.status, 400);
  EXPECT_EQ(nlohmann::json::parse(bad.body)["Err"], "missing field \"Name\"");
  auto failed = fixture_.Post("/Test.Fail", "{}");
  EXPECT_EQ(failed.status, 500);
  EXPECT_EQ(nlohmann::json::parse(failed.body)["Err"], "rbd map vol1: device busy");
}

TEST_F(PluginServerTest, UnknownEndpointIs404WithJsonErr) {
  auto reply = fixture_.Post("/VolumeDriver.Nope", "{}");
  EXPECT_EQ(reply.status, 404);
  EXPECT_NE(nlohmann::json::parse(reply.body)["Err"].get<std::string>().find("no such endpoint"),
            std::string::npos);
}

TEST_F(PluginServerTest, ActivateListsImplementedProtocols) {
  auto reply = fixture_.Post("/Plugin.Activate", "");
  EXPECT_EQ(reply.status, 200);
  EXPECT_EQ(nlohmann::json::parse(reply.body)["Implements"], nlohmann::json({"VolumeDriver"}));
}

TEST_F(PluginServerTest, SurvivesBareConnectionAndServesKeepAlive) {
  // dockerd's liveness check: connect and close without a request.
  EXPECT_EQ(testing::SendRaw(fixture_.socket_path(), ""), "");
  testing::KeepAliveConnection connection(fixture_.socket_path());
  for (int i = 0; i < 3; ++i) {
    const auto reply = connection.Post("/Test.Echo", "{\"N\":" + std::to_string(i) + "}");
    EXPECT_EQ(reply.status, 200);
    EXPECT_EQ(reply.body, "{\"N\":" + std::to_string(i) + "}");
  }
}

TEST(PluginServerLifecycle, ReplacesStaleSocketAndStopsPromptly) {
  ServerFixture fixture;
  { std::ofstream stale(fixture.socket_path()); }
  fixture.Start();
  EXPECT_TRUE(fixture.server().serving());
  fixture.Stop();
  EXPECT_FALSE(std::filesystem::exists(fixture.socket_path()));
}

TEST(RequestFields, RequiredStringNamesTheField) {
  EXPECT_EQ(RequiredString({{"Name", "v"}}, "Name"), "v");
  EXPECT_THROW(RequiredString(nlohmann::json::object(), "Name"), BadRequest);
  EXPECT_THROW(RequiredString({{"Name", 3}}, "Name"), BadRequest);
  EXPECT_THROW(RequiredString({{"Name", ""}}, "Name"), BadRequest);
  try {
    RequiredString({{"ID", nullptr}}, "ID");
    FAIL();
  } catch (const BadRequest& e) {
    EXPECT_STREQ(e.what(), "missing field \"ID\"");
  }
  EXPECT_EQ(OptionalString({{"X", nullptr}}, "X"), "");
}

}  // namespace
}  // namespace bulkhead
