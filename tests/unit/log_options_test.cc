#include "plugins/logs/log_options.h"

#include <gtest/gtest.h>

namespace bulkhead::logs {
namespace {

LogContainerInfo Info(std::map<std::string, std::string> config) {
  LogContainerInfo info;
  info.config = std::move(config);
  info.container_id = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";
  info.container_name = "/billing-api";
  info.image_name = "registry.local/billing:1.4";
  info.image_id = "sha256:fedcba9876543210fedcba9876543210fedcba9876543210fedcba9876543210";
  info.entrypoint = "java";
  info.args = {"-jar", "app.jar"};
  info.daemon_name = "docker";
  info.labels = {{"team", "billing"}, {"tier", "api"}, {"com.example.cost", "42"}};
  info.env = {"JAVA_OPTS=-Xmx1g", "DB_HOST=db", "SECRET_TOKEN=hunter2"};
  return info;
}

TEST(LogOptionsTest, DockerDaemonOptionsAreAcceptedAndUnknownOnesNamed) {
  EXPECT_NO_THROW(ParseLogOptions(
      Info({{"mode", "non-blocking"}, {"max-buffer-size", "4m"}, {"cache-disabled", "false"}}),
      "host-1"));
  try {
    ParseLogOptions(Info({{"syslog-adress", "tcp://x:1"}}), "host-1");
    FAIL() << "a misspelt option was accepted";
  } catch (const BadRequest& e) {
    EXPECT_NE(std::string(e.what()).find("unknown log-opt \"syslog-adress\""), std::string::npos);
    EXPECT_NE(std::string(e.what()).find("syslog-address"), std::string::npos) << "no known list";
  }
}

TEST(LogOptionsTest, TagTemplateUsesDockerFields) {
  const auto options = ParseLogOptions(
      Info({{"tag", "{{.Name}}/{{.ID}}/{{ .ImageName }}/{{.ImageID}}/{{.Command}}"}}), "h");
  EXPECT_EQ(options.meta.tag,
            "billing-api/0123456789ab/registry.local/billing:1.4/fedcba987654/"
            "java -jar app.jar");
  EXPECT_EQ(ParseLogOptions(Info({}), "h").meta.tag, "0123456789ab") << "Docker's default tag";
  EXPECT_THROW(ParseLogOptions(Info({{"tag", "{{.Nope}}"}}), "h"), BadRequest);
  EXPECT_EQ(
      ParseLogOptions(Info({{"tag", "{{.Name | upper}}-{{truncate .FullID 4}}"}}), "h").meta.tag,
      "BILLING-API-0123");
  EXPECT_EQ(ParseLogOptions(Info({{"tag", "{{pad .Name \"[\" \"]\"}} {{json .DaemonName}}"}}), "h")
                .meta.tag,
            "[billing-api] \"docker\"");
  EXPECT_THROW(ParseLogOptions(Info({{"tag", "{{shout .Name}}"}}), "h"), BadRequest);
  EXPECT_THROW(ParseLogOptions(Info({{"tag", "{{truncate .Name}}"}}), "h"), BadRequest);
  EXPECT_THROW(ParseLogOptions(Info({{"tag", "{{.Name"}}), "h"), BadRequest);
}

TEST(LogOptionsTest, LabelsAndEnvAreSelectedByNameOrRegex) {
  const auto options = ParseLogOptions(
      Info({{"labels", "team"}, {"labels-regex", "^com\\.example\\."}, {"env", "DB_HOST"}}), "h");
  const std::map<std::string, std::string> expected = {
      {"team", "billing"}, {"com.example.cost", "42"}, {"DB_HOST", "db"}};
  EXPECT_EQ(options.meta.attrs, expected) << "unselected labels or env leaked into events";
  EXPECT_THROW(ParseLogOptions(Info({{"env-regex", "("}}), "h"), BadRequest);
}

TEST(LogOptionsTest, SinkAndSpoolValuesAreChecked) {
  EXPECT_THROW(ParseLogOptions(Info({{"syslog-address", "http://x"}}), "h"), BadRequest);
  EXPECT_THROW(ParseLogOptions(Info({{"quota-policy", "ignore"}}), "h"), BadRequest);
  EXPECT_THROW(ParseLogOptions(Info({{"max-file", "0"}}), "h"), BadRequest);
  EXPECT_THROW(ParseLogOptions(Info({{"es-url", "es:9200"}}), "h"), BadRequest);
  EXPECT_THROW(ParseLogOptions(Info({{"es-url", "http://es:9200"}, {"es-index", "Logs-%Y"}}), "h"),
               BadRequest)
      << "Elasticsearch refuses uppercase index names";
  EXPECT_THROW(ParseLogOptions(Info({{"s3-bucket", "b"}, {"s3-endpoint", "http://s3"}}), "h"),
               BadRequest)
      << "an S3 bucket without credentials";
  EXPECT_THROW(ParseLogOptions(Info({{"riemann-address", "udp://r:5555"}}), "h"), BadRequest);
  const auto amqp =
      ParseLogOptions(Info({{"amqp-url", "amqp://app:p%40ss@mq.local:5673/prod%2Flogs"}}), "h")
          .amqp;
  EXPECT_EQ(amqp.user, "app");
  EXPECT_EQ(amqp.password, "p@ss");
  EXPECT_EQ(amqp.host, "mq.local");
  EXPECT_EQ(amqp.port, "5673");
  EXPECT_EQ(amqp.vhost, "prod/logs");
  const auto spool =
      ParseLogOptions(Info({{"quota", "64m"}, {"quota-policy", "drop-oldest"}}), "h").spool;
  EXPECT_EQ(spool.quota_bytes, 64ULL << 20);
  EXPECT_EQ(spool.policy, QuotaPolicy::kDropOldest);
}

}  // namespace
}  // namespace bulkhead::logs
