#include "plugins/logs/log_options.h"

#include <algorithm>
#include <cctype>
#include <ctime>
#include <regex>
#include <set>
#include <sstream>
#include <vector>

#include "common/config.h"
#include "plugins/logs/connection.h"
#include "plugins/logs/tag_template.h"

namespace bulkhead::logs {
namespace {

const std::set<std::string> kDaemonOptions = {"mode",           "max-buffer-size",
                                              "cache-disabled", "cache-max-size",
                                              "cache-max-file", "cache-compress"};
// Ours, by what they configure: events, the spool, then each sink.
// clang-format off
const std::vector<std::string> kOwnOptions = {
    "tag", "labels", "labels-regex", "env", "env-regex", "parse-json",
    "max-size", "max-file", "quota", "quota-policy",
    "syslog-address", "syslog-facility", "syslog-tls-ca-cert", "syslog-tls-skip-verify",
    "gelf-address", "gelf-compression-type", "gelf-tls-ca-cert", "gelf-tls-skip-verify",
    "es-url", "es-index", "es-username", "es-password", "es-api-key",
    "s3-endpoint", "s3-bucket", "s3-region", "s3-access-key", "s3-secret-key", "s3-key-prefix",
    "amqp-url", "amqp-exchange", "amqp-routing-key", "amqp-queue", "amqp-tls-ca-cert",
    "amqp-tls-skip-verify",
    "riemann-address", "riemann-tls-ca-cert", "riemann-tls-skip-verify"};
// clang-format on

const std::map<std::string, int> kFacilities = {
    {"kern", 0},      {"user", 1},    {"mail", 2},    {"daemon", 3},  {"auth", 4},
    {"syslog", 5},    {"lpr", 6},     {"news", 7},    {"uucp", 8},    {"cron", 9},
    {"authpriv", 10}, {"ftp", 11},    {"local0", 16}, {"local1", 17}, {"local2", 18},
    {"local3", 19},   {"local4", 20}, {"local5", 21}, {"local6", 22}, {"local7", 23}};

std::set<std::string> CommaList(const std::string& value) {
  std::set<std::string> items;
  std::istringstream stream(value);
  for (std::string item; std::getline(stream, item, ',');) {
    if (!item.empty()) items.insert(item);
  }
  return items;
}

std::regex OptionRegex(const std::string& key, const std::string& pattern) {
  try {
    return std::regex(pattern, std::regex::extended);
  } catch (const std::regex_error& e) {
    throw BadRequest("log-opt " + key + "=" + pattern + ": invalid regular expression");
  }
}

// Docker's rule: a key listed by name or matching the regex is attached.
void SelectAttrs(const std::map<std::string, std::string>& source, const std::string& names,
                 const std::string& regex_key, const std::string& pattern,
                 std::map<std::string, std::string>& attrs) {
  const std::set<std::string> listed = CommaList(names);
  const bool use_regex = !pattern.empty();
  const std::regex regex = use_regex ? OptionRegex(regex_key, pattern) : std::regex();
  for (const auto& [key, value] : source) {
    if (listed.count(key) != 0 || (use_regex && std::regex_search(key, regex))) attrs[key] = value;
  }
}

std::string ExpandTag(const std::string& tag, const LogContainerInfo& info) {
  const std::string name = info.container_name.empty() || info.container_name[0] != '/'
                               ? info.container_name
                               : info.container_name.substr(1);
  std::string image_id = info.image_id;
  if (image_id.rfind("sha256:", 0) == 0) image_id.erase(0, 7);
  std::string command = info.entrypoint;
  for (const auto& arg : info.args) command += " " + arg;
  const std::map<std::string, std::string> fields = {{".ID", info.container_id.substr(0, 12)},
                                                     {".FullID", info.container_id},
                                                     {".Name", name},
                                                     {".ImageID", image_id.substr(0, 12)},
                                                     {".ImageFullID", image_id},
                                                     {".ImageName", info.image_name},
                                                     {".DaemonName", info.daemon_name},
                                                     {".Command", command}};
  return ExpandTagTemplate(tag, fields);
}

template <typename Option>
void ParseElasticsearchOptions(const Option& option, ElasticsearchOptions& es) {
  es.url = option("es-url", "");
  if (!es.url.empty() && es.url.rfind("http://", 0) != 0 && es.url.rfind("https://", 0) != 0)
    throw BadRequest("log-opt es-url=" + es.url + ": expected http(s)://HOST:PORT");
  es.index = option("es-index", es.index);
  // Checked as Elasticsearch would check a name it expands to.
  std::tm sample{};
  sample.tm_year = 126;
  char expanded[256] = {};
  const size_t length = std::strftime(expanded, sizeof(expanded), es.index.c_str(), &sample);
  const std::string name(expanded, length);
  const bool lowercase = std::none_of(
      name.begin(), name.end(), [](char c) { return std::isupper(static_cast<unsigned char>(c)); });
  if (name.empty() || !lowercase || name.find_first_of(" \\/*?\"<>|,#:") != std::string::npos ||
      name[0] == '-' || name[0] == '_' || name[0] == '+') {
    throw BadRequest("log-opt es-index=" + es.index +
                     ": index names are lowercase, without spaces or \\/*?\"<>|,#: and do not "
                     "start with -, _ or +");
  }
  es.username = option("es-username", "");
  es.password = option("es-password", "");
  es.api_key = option("es-api-key", "");
}

template <typename Option>
void ParseS3Options(const Option& option, S3Options& s3) {
  s3.bucket = option("s3-bucket", "");
  s3.endpoint = option("s3-endpoint", "");
  s3.region = option("s3-region", s3.region);
  s3.access_key = option("s3-access-key", "");
  s3.secret_key = option("s3-secret-key", "");
  s3.key_template = option("s3-key-prefix", s3.key_template);
  if (s3.bucket.empty()) return;
  if (s3.endpoint.rfind("http://", 0) != 0 && s3.endpoint.rfind("https://", 0) != 0)
    throw BadRequest("log-opt s3-endpoint=" + s3.endpoint + ": expected http(s)://HOST:PORT");
  if (s3.access_key.empty() || s3.secret_key.empty())
    throw BadRequest("log-opt s3-bucket needs s3-access-key and s3-secret-key");
  if (s3.bucket.find_first_of("/ ") != std::string::npos)
    throw BadRequest("log-opt s3-bucket=" + s3.bucket + ": not a bucket name");
}

// The value that option `key` (or `fallback`) names in `choices`; a BadRequest listing them
// otherwise.
template <typename Option, typename Value>
Value Choice(const Option& option, const std::string& key, const std::string& fallback,
             const std::map<std::string, Value>& choices) {
  const std::string value = option(key, fallback);
  const auto chosen = choices.find(value);
  if (chosen != choices.end()) return chosen->second;
  std::string names;
  for (const auto& [name, unused] : choices) names += (names.empty() ? "" : ", ") + name;
  throw BadRequest("log-opt " + key + "=" + value + ": expected one of " + names);
}

template <typename Option>
bool Flag(const Option& option, const std::string& key) {
  return Choice<Option, bool>(option, key, "false", {{"true", true}, {"false", false}});
}

template <typename Option>
TlsSettings ParseTls(const Option& option, const std::string& sink) {
  TlsSettings tls;
  tls.ca_file = option(sink + "-tls-ca-cert", "");
  tls.skip_verify = Flag(option, sink + "-tls-skip-verify");
  return tls;
}

// Undoes %XX escapes (a vhost "/" is written %2F in AMQP URLs).
std::string PercentDecode(const std::string& text) {
  std::string out;
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '%' && i + 2 < text.size() &&
        std::isxdigit(static_cast<unsigned char>(text[i + 1])) &&
        std::isxdigit(static_cast<unsigned char>(text[i + 2]))) {
      out += static_cast<char>(std::stoi(text.substr(i + 1, 2), nullptr, 16));
      i += 2;
    } else {
      out += text[i];
    }
  }
  return out;
}

template <typename Option>
void ParseAmqpOptions(const Option& option, AmqpOptions& amqp) {
  const std::string url = option("amqp-url", "");
  amqp.exchange = option("amqp-exchange", "");
  amqp.routing_key = option("amqp-routing-key", amqp.routing_key);
  amqp.queue = option("amqp-queue", "");
  if (url.empty()) return;
  amqp.tls = url.rfind("amqps://", 0) == 0;
  if (amqp.tls) amqp.port = "5671";
  amqp.tls_settings = ParseTls(option, "amqp");
  const std::string scheme = amqp.tls ? "amqps://" : "amqp://";
  if (url.rfind(scheme, 0) != 0)
    throw BadRequest("log-opt amqp-url=" + url +
                     ": expected amqp[s]://USER:PASSWORD@HOST[:PORT][/VHOST]");
  std::string rest = url.substr(scheme.size());
  const size_t slash = rest.find('/');
  if (slash != std::string::npos) {
    if (slash + 1 < rest.size()) amqp.vhost = PercentDecode(rest.substr(slash + 1));
    rest.resize(slash);
  }
  const size_t at = rest.rfind('@');
  if (at != std::string::npos) {
    const std::string credentials = rest.substr(0, at);
    const size_t colon = credentials.find(':');
    amqp.user = PercentDecode(credentials.substr(0, colon));
    if (colon != std::string::npos) amqp.password = PercentDecode(credentials.substr(colon + 1));
    rest.erase(0, at + 1);
  }
  const size_t colon = rest.rfind(':');
  amqp.host = rest.substr(0, colon);
  if (colon != std::string::npos) amqp.port = rest.substr(colon + 1);
  if (amqp.host.empty()) throw BadRequest("log-opt amqp-url=" + url + ": no host");
}

}  // namespace

LogOptions ParseLogOptions(const LogContainerInfo& info, const std::string& host) {
  const auto& config = info.config;
  for (const auto& [key, value] : config) {
    const bool ours = std::find(kOwnOptions.begin(), kOwnOptions.end(), key) != kOwnOptions.end();
    if (kDaemonOptions.count(key) == 0 && !ours) {
      std::string known;
      for (const auto& name : kOwnOptions) known += (known.empty() ? "" : ", ") + name;
      throw BadRequest("unknown log-opt \"" + key + "\" for bulkhead/logs (known: " + known + ")");
    }
  }
  auto option = [&](const std::string& key, const std::string& fallback) {
    auto it = config.find(key);
    return it == config.end() ? fallback : it->second;
  };
  LogOptions options;
  try {
    options.spool.max_segment_bytes = ParseByteSize(option("max-size", "10m"));
    options.spool.max_segments = std::stoi(option("max-file", "5"));
    options.spool.quota_bytes = ParseByteSize(option("quota", "1g"));
  } catch (const std::exception& e) {
    throw BadRequest(std::string("log-opt max-size, max-file or quota: ") + e.what());
  }
  if (options.spool.max_segments < 1) throw BadRequest("log-opt max-file: must be at least 1");
  options.spool.policy =
      Choice<decltype(option), QuotaPolicy>(option, "quota-policy", "block",
                                            {{"block", QuotaPolicy::kBlock},
                                             {"drop-oldest", QuotaPolicy::kDropOldest},
                                             {"drop-newest", QuotaPolicy::kDropNewest}});
  options.syslog_address = option("syslog-address", "");
  options.gelf_address = option("gelf-address", "");
  for (const auto& [key, address] : {std::pair{"syslog-address", options.syslog_address},
                                     std::pair{"gelf-address", options.gelf_address}}) {
    if (!address.empty() && !IsConnectionAddress(address)) {
      throw BadRequest(std::string("log-opt ") + key + "=" + address +
                       ": expected udp://, tcp:// or tls://HOST:PORT");
    }
  }
  options.syslog_tls = ParseTls(option, "syslog");
  options.gelf_tls = ParseTls(option, "gelf");
  options.gelf_compression =
      Choice<decltype(option), GelfCompression>(option, "gelf-compression-type", "gzip",
                                                {{"gzip", GelfCompression::kGzip},
                                                 {"zlib", GelfCompression::kZlib},
                                                 {"none", GelfCompression::kNone}});
  ParseElasticsearchOptions(option, options.elasticsearch);
  ParseS3Options(option, options.s3);
  ParseAmqpOptions(option, options.amqp);
  options.riemann_address = option("riemann-address", "");
  if (!options.riemann_address.empty() && options.riemann_address.rfind("tcp://", 0) != 0 &&
      options.riemann_address.rfind("tls://", 0) != 0) {
    throw BadRequest("log-opt riemann-address=" + options.riemann_address +
                     ": expected tcp:// or tls://HOST:PORT (Riemann acknowledges only over TCP)");
  }
  options.riemann_tls = ParseTls(option, "riemann");
  options.syslog_facility = Choice(option, "syslog-facility", "daemon", kFacilities);

  ContainerMeta& meta = options.meta;
  meta.container_id = info.container_id;
  meta.container_name =
      info.container_name.rfind('/', 0) == 0 ? info.container_name.substr(1) : info.container_name;
  meta.image_name = info.image_name;
  meta.image_id = info.image_id;
  meta.host = host;
  meta.tag = ExpandTag(option("tag", "{{.ID}}"), info);
  meta.parse_json = Flag(option, "parse-json");
  SelectAttrs(info.labels, option("labels", ""), "labels-regex", option("labels-regex", ""),
              meta.attrs);
  std::map<std::string, std::string> env;
  for (const auto& pair : info.env) {
    const size_t equals = pair.find('=');
    if (equals != std::string::npos) env[pair.substr(0, equals)] = pair.substr(equals + 1);
  }
  SelectAttrs(env, option("env", ""), "env-regex", option("env-regex", ""), meta.attrs);
  return options;
}

}  // namespace bulkhead::logs
