#include "plugins/logs/event_json.h"

#include <ctime>

#include "common/base64.h"
#include "plugins/logs/text.h"

namespace bulkhead::logs {

nlohmann::json EventDocument(const LogEntry& entry, const ContainerMeta& meta) {
  const bool utf8 = IsValidUtf8(entry.line);
  nlohmann::json document = {
      {"@timestamp", Rfc3339Nanos(entry.time_nano)},
      {"message", utf8 ? entry.line : Base64Encode(entry.line)},
      {"stream", entry.source},
      {"host", meta.host},
      {"tag", meta.tag},
      {"container",
       {{"id", meta.container_id}, {"name", meta.container_name}, {"image", meta.image_name}}}};
  if (!utf8) document["encoding"] = "base64";
  if (!meta.attrs.empty()) document["attrs"] = meta.attrs;
  if (meta.parse_json && utf8 && !entry.line.empty() && entry.line.front() == '{') {
    nlohmann::json parsed = nlohmann::json::parse(entry.line, nullptr, /*allow_exceptions=*/false);
    if (parsed.is_object()) document["json"] = std::move(parsed);
  }
  return document;
}

std::string Rfc3339Nanos(int64_t time_nano) {
  std::string text = FormatUtc("%Y-%m-%dT%H:%M:%S", time_nano);
  char fraction[16];
  std::snprintf(fraction, sizeof(fraction), ".%09lldZ",
                static_cast<long long>(time_nano % 1000000000));
  return text + fraction;
}

std::string FormatUtc(const std::string& pattern, int64_t time_nano) {
  const std::time_t seconds = time_nano / 1000000000;
  std::tm utc{};
  gmtime_r(&seconds, &utc);
  char text[512];
  const size_t length = std::strftime(text, sizeof(text), pattern.c_str(), &utc);
  return std::string(text, length);
}

}  // namespace bulkhead::logs
