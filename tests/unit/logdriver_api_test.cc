#include "common/logdriver_api.h"

#include <gtest/gtest.h>

#include "tests/unit/server_fixture.h"

namespace bulkhead {
namespace {

// Records StartLogging/StopLogging and replays fixed entries on ReadLogs: a route-layer double.
class RecordingLogDriver : public LogDriver {
 public:
  void StartLogging(const std::string& fifo, const LogContainerInfo& info) override {
    if (info.config.count("bogus") != 0) throw BadRequest("unknown log-opt \"bogus\"");
    started[fifo] = info;
  }
  void StopLogging(const std::string& fifo) override { stopped.push_back(fifo); }
  bool CanReadLogs() override { return true; }
  void ReadLogs(const LogContainerInfo&, const ReadLogsConfig& config,
                const LogEntryWriter& write) override {
    last_config = config;
    for (int i = 0; i < 3; ++i) {
      LogEntry entry;
      entry.source = "stdout";
      entry.time_nano = i + 1;
      entry.line = "line " + std::to_string(i);
      if (!write(entry)) return;
    }
  }
  std::map<std::string, LogContainerInfo> started;
  std::vector<std::string> stopped;
  ReadLogsConfig last_config;
};

const char* kStartLogging =
    R"({"File":"/run/docker/logging/abc","Info":{"Config":{"mode":"blocking"},
  "ContainerID":"c0ffee","ContainerName":"/web","ContainerEntrypoint":"sh","ContainerArgs":["-c","x"],
  "ContainerImageID":"sha256:1","ContainerImageName":"busybox","ContainerCreated":"2026-11-24T10:00:00.5Z",
  "ContainerEnv":null,"ContainerLabels":{"team":"db"},"LogPath":"","DaemonName":"docker"}})";

class LogDriverApiTest : public ::testing::Test {
 protected:
  void SetUp() override {
    AddLogDriverRoutes(fixture_.server(), driver_);
    fixture_.Start();
  }
  RecordingLogDriver driver_;
  testing::ServerFixture fixture_;
};

TEST_F(LogDriverApiTest, StartLoggingDecodesInfo) {
  auto reply = fixture_.Post("/LogDriver.StartLogging", kStartLogging);
  ASSERT_EQ(reply.status, 200) << reply.body;
  const LogContainerInfo& info = driver_.started.at("/run/docker/logging/abc");
  EXPECT_EQ(info.container_name, "/web");
  EXPECT_EQ(info.config.at("mode"), "blocking");
  EXPECT_EQ(info.args, (std::vector<std::string>{"-c", "x"}));
  EXPECT_TRUE(info.env.empty());
  EXPECT_EQ(info.labels.at("team"), "db");
}

TEST_F(LogDriverApiTest, StartLoggingErrorsReachTheDaemon) {
  auto reply =
      fixture_.Post("/LogDriver.StartLogging", R"({"File":"/f","Info":{"Config":{"bogus":"1"}}})");
  EXPECT_EQ(reply.status, 400);
  EXPECT_EQ(nlohmann::json::parse(reply.body)["Err"], "unknown log-opt \"bogus\"");
  auto wrong_type =
      fixture_.Post("/LogDriver.StartLogging", R"({"File":"/f","Info":{"ContainerArgs":"x"}})");
  EXPECT_EQ(wrong_type.status, 400);
}

TEST_F(LogDriverApiTest, CapabilitiesUseTheCapKey) {
  auto reply = fixture_.Post("/LogDriver.Capabilities", "");
  EXPECT_EQ(nlohmann::json::parse(reply.body),
            nlohmann::json::parse(R"({"Cap":{"ReadLogs":true}})"));
  EXPECT_EQ(fixture_.Post("/LogDriver.StopLogging", R"({"File":"/unknown"})").status, 200);
}

TEST_F(LogDriverApiTest, ReadLogsStreamsFramesAndDecodesConfig) {
  const std::string request = std::string(R"({"Info":{"ContainerID":"c0ffee"},"Config":{)") +
                              R"("Since":"2026-11-24T10:00:00Z","Until":"0001-01-01T00:00:00Z",)" +
                              R"("Tail":2,"Follow":false}})";
  auto reply = fixture_.Post("/LogDriver.ReadLogs", request);
  ASSERT_EQ(reply.status, 200);
  EXPECT_EQ(driver_.last_config.tail, 2);
  EXPECT_EQ(driver_.last_config.until_nano, 0);
  EXPECT_EQ(driver_.last_config.since_nano, 1795514400LL * 1000000000LL);
  // The body is chunked: strip the chunk framing, then decode the frames.
  std::string payload;
  for (size_t at = 0; at < reply.body.size();) {
    const size_t line_end = reply.body.find("\r\n", at);
    const size_t size = std::stoul(reply.body.substr(at, line_end - at), nullptr, 16);
    payload += reply.body.substr(line_end + 2, size);
    at = line_end + 2 + size + 2;
    if (size == 0) break;
  }
  FrameDecoder decoder;
  decoder.Feed(payload);
  LogEntry entry;
  std::vector<std::string> lines;
  while (decoder.Next(entry)) lines.push_back(entry.line);
  EXPECT_EQ(lines, (std::vector<std::string>{"line 0", "line 1", "line 2"}));
}

TEST(Rfc3339, ParsesGoTimes) {
  EXPECT_EQ(ParseRfc3339Nanos("0001-01-01T00:00:00Z"), 0);
  EXPECT_EQ(ParseRfc3339Nanos("1970-01-01T00:00:01Z"), 1000000000);
  EXPECT_EQ(ParseRfc3339Nanos("1970-01-01T00:00:00.000000001Z"), 1);
  EXPECT_EQ(ParseRfc3339Nanos("1970-01-01T01:00:00+01:00"), 0);
  EXPECT_EQ(ParseRfc3339Nanos("2000-03-01T00:00:00.5Z"), 951868800500000000);
  EXPECT_THROW(ParseRfc3339Nanos("2026-13-01T00:00:00Z"), BadRequest);
  EXPECT_THROW(ParseRfc3339Nanos("2026-11-24 10:00:00Z"), BadRequest);
  EXPECT_THROW(ParseRfc3339Nanos("2026-11-24T10:00:00"), BadRequest);
  EXPECT_THROW(ParseRfc3339Nanos(""), BadRequest);
}

}  // namespace
}  // namespace bulkhead
