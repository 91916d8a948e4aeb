// syslog sink: RFC 5424 messages over UDP (one datagram each), TCP or TLS (RFC 5425; both with
// RFC 6587 octet counting),
// with the container's metadata as structured data. A line that is not valid UTF-8 is sent
// base64-encoded, flagged by encoding="base64" in the structured data.
#include <ctime>

#include "common/base64.h"
#include "plugins/logs/connection.h"
#include "plugins/logs/sink.h"
#include "plugins/logs/text.h"

namespace bulkhead::logs {
namespace {

constexpr const char* kEnterpriseId = "bulkhead@32473";  // 32473: IANA's example number

// RFC 5424 PARAM-VALUE escaping: '"', '\' and ']' take a backslash.
std::string SdEscape(const std::string& value) {
  std::string out;
  for (char c : value) {
    if (c == '"' || c == '\\' || c == ']') out += '\\';
    out += c;
  }
  return out;
}

// PRINTUSASCII without spaces, at most `limit` characters, "-" when empty.
std::string Header(const std::string& value, size_t limit) {
  std::string out;
  for (char c : value) {
    if (c > 32 && c < 127 && out.size() < limit) out += c;
  }
  return out.empty() ? "-" : out;
}

std::string Timestamp(int64_t time_nano) {
  const std::time_t seconds = time_nano / 1000000000;
  std::tm utc{};
  gmtime_r(&seconds, &utc);
  char text[40];
  const size_t length = std::strftime(text, sizeof(text), "%Y-%m-%dT%H:%M:%S", &utc);
  std::snprintf(text + length, sizeof(text) - length, ".%06lldZ",
                static_cast<long long>((time_nano % 1000000000) / 1000));
  return text;
}

class SyslogSink : public LogSink {
 public:
  SyslogSink(const std::string& address, int facility, const TlsSettings& tls)
      : connection_(address, address.rfind("tls://", 0) == 0 ? "6514" : "514", tls),
        facility_(facility) {}

  std::string name() const override { return "syslog"; }

  void Send(const std::vector<LogEntry>& batch, const ContainerMeta& meta) override {
    std::string stream;
    for (const LogEntry& entry : batch) {
      const std::string message = Format(entry, meta);
      if (connection_.datagram()) {
        connection_.Send(message);
      } else {
        stream += std::to_string(message.size()) + " " + message;  // RFC 6587 octet counting
      }
    }
    if (!stream.empty()) connection_.Send(stream);
  }

 private:
  std::string Format(const LogEntry& entry, const ContainerMeta& meta) const {
    const int severity = entry.source == "stderr" ? 3 : 6;
    std::string sd = std::string("[") + kEnterpriseId + " container_id=\"" +
                     SdEscape(meta.container_id) + "\" container_name=\"" +
                     SdEscape(meta.container_name) + "\" image=\"" + SdEscape(meta.image_name) +
                     "\" stream=\"" + entry.source + "\"";
    const bool utf8 = IsValidUtf8(entry.line);
    if (!utf8) sd += " encoding=\"base64\"";
    for (const auto& [key, value] : meta.attrs) {
      sd += " " + Header(key, 32) + "=\"" + SdEscape(value) + "\"";
    }
    sd += "]";
    return "<" + std::to_string(facility_ * 8 + severity) + ">1 " + Timestamp(entry.time_nano) +
           " " + Header(meta.host, 255) + " " + Header(meta.tag, 48) + " - " +
           Header(entry.source, 32) + " " + sd + " " +
           (utf8 ? "\xEF\xBB\xBF" + entry.line : Base64Encode(entry.line));
  }

  Connection connection_;
  int facility_;
};

}  // namespace

std::unique_ptr<LogSink> MakeSyslogSink(const std::string& address, int facility,
                                        const TlsSettings& tls) {
  return std::make_unique<SyslogSink>(address, facility, tls);
}

}  // namespace bulkhead::logs
