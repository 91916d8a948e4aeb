// LogOptions: a container's --log-opt values, validated at StartLogging, and the metadata every
// event of that container carries.
//
// Contract: ParseLogOptions() accepts Docker's daemon-side options (mode, max-buffer-size,
// cache-*), the Docker-standard tag, labels, labels-regex, env and env-regex, max-size and
// max-file (spool rotation, which also bounds `docker logs`), quota and quota-policy (block,
// drop-oldest, drop-newest) and the options of the sinks
// implemented here; any other key, or a bad value, is a BadRequest naming it. The tag template
// supports Docker's fields ({{.ID}}, {{.FullID}}, {{.Name}}, {{.ImageID}}, {{.ImageFullID}},
// {{.ImageName}}, {{.DaemonName}}, {{.Command}}); an unknown field is an error.
#pragma once

#include <cstdint>
#include <map>
#include <string>

#include "common/logdriver_api.h"
#include "plugins/logs/connection.h"
#include "plugins/logs/spool.h"

namespace bulkhead::logs {

// What every event of one container carries besides its line.
struct ContainerMeta {
  std::string container_id;
  std::string container_name;  // without dockerd's leading '/'
  std::string image_name;
  std::string image_id;
  std::string host;
  std::string tag;
  std::map<std::string, std::string> attrs;  // selected labels and env
  bool parse_json = false;  // parse-json: document sinks add a JSON-object line's fields
};

enum class GelfCompression { kGzip, kZlib, kNone };

struct ElasticsearchOptions {
  std::string url;                        // es-url: http(s)://HOST:PORT; "" = no sink
  std::string index = "docker-%Y.%m.%d";  // es-index: strftime of the event's UTC date
  std::string username;                   // es-username / es-password: basic auth
  std::string password;
  std::string api_key;  // es-api-key: "Authorization: ApiKey ..."
};

struct S3Options {
  std::string endpoint;  // s3-endpoint: http(s)://HOST:PORT
  std::string bucket;    // s3-bucket; "" = no sink
  std::string region = "us-east-1";
  std::string access_key;  // s3-access-key / s3-secret-key
  std::string secret_key;
  std::string key_template = "%Y/%m/%d/{name}/";  // s3-key-prefix: strftime, {name}, {id}
};

struct AmqpOptions {
  std::string host;  // from amqp-url: amqp://USER:PASSWORD@HOST[:PORT][/VHOST]; "" = no sink
  std::string port = "5672";
  std::string user = "guest";
  std::string password = "guest";
  std::string vhost = "/";
  std::string exchange;                // amqp-exchange ("" = the default exchange)
  std::string routing_key = "docker";  // amqp-routing-key
  std::string queue;                   // amqp-queue: declared durable and published to directly
  bool tls = false;                    // amqps:// (port 5671)
  TlsSettings tls_settings;            // amqp-tls-ca-cert, amqp-tls-skip-verify
};

struct LogOptions {
  SpoolLimits spool;           // max-size, max-file, quota, quota-policy
  std::string syslog_address;  // udp:// or tcp:// host:port; "" = none
  int syslog_facility = 3;     // daemon
  TlsSettings syslog_tls;      // syslog-tls-ca-cert, syslog-tls-skip-verify (tls:// addresses)
  std::string gelf_address;    // udp:// or tcp:// host:port; "" = none
  GelfCompression gelf_compression = GelfCompression::kGzip;  // udp only
  TlsSettings gelf_tls;  // gelf-tls-ca-cert, gelf-tls-skip-verify
  ElasticsearchOptions elasticsearch;
  S3Options s3;
  AmqpOptions amqp;
  std::string riemann_address;  // tcp:// or tls://HOST:PORT; "" = none
  TlsSettings riemann_tls;      // riemann-tls-ca-cert, riemann-tls-skip-verify
  ContainerMeta meta;
};

LogOptions ParseLogOptions(const LogContainerInfo& info, const std::string& host);

}  // namespace bulkhead::logs
