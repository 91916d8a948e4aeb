#include "common/logdriver_api.h"

#include <cctype>

namespace bulkhead {
namespace {

constexpr const char* kInterface = "LogDriver";
constexpr int64_t kNanosPerSecond = 1000000000;

template <typename Value>
Value Field(const nlohmann::json& object, const std::string& key, const Value& fallback) {
  auto it = object.find(key);
  if (it == object.end() || it->is_null()) return fallback;
  try {
    return it->get<Value>();
  } catch (const nlohmann::json::exception&) {
    throw BadRequest("field \"" + key + "\" has the wrong type");
  }
}

// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's algorithm).
int64_t DaysFromCivil(int64_t year, int64_t month, int64_t day) {
  year -= month <= 2 ? 1 : 0;
  const int64_t era = (year >= 0 ? year : year - 399) / 400;
  const int64_t year_of_era = year - era * 400;
  const int64_t day_of_year = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1;
  const int64_t day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
  return era * 146097 + day_of_era - 719468;
}

class TimeParser {
 public:
  explicit TimeParser(const std::string& text) : text_(text) {}

  int64_t Parse() {
    const int64_t year = Digits(4);
    Literal('-');
    const int64_t month = Digits(2);
    Literal('-');
    const int64_t day = Digits(2);
    if (position_ >= text_.size() || (text_[position_] != 'T' && text_[position_] != 't')) Fail();
    ++position_;
    const int64_t hour = Digits(2);
    Literal(':');
    const int64_t minute = Digits(2);
    Literal(':');
    const int64_t second = Digits(2);
    if (month < 1 || month > 12 || day < 1 || day > 31 || hour > 23 || minute > 59 || second > 60) {
      Fail();
    }
    const int64_t nanos = Fraction();
    const int64_t offset_seconds = Offset();
    if (position_ != text_.size()) Fail();
    if (year == 1 && month == 1 && day == 1 && hour == 0 && minute == 0 && second == 0 &&
        nanos == 0 && offset_seconds == 0) {
      return 0;  // Go's zero time.Time: "unset"
    }
    const int64_t seconds = DaysFromCivil(year, month, day) * 86400 + hour * 3600 + minute * 60 +
                            second - offset_seconds;
    return seconds * kNanosPerSecond + nanos;
  }

 private:
  int64_t Digits(int count) {
    int64_t value = 0;
    for (int i = 0; i < count; ++i, ++position_) {
      if (position_ >= text_.size() ||
          !std::isdigit(static_cast<unsigned char>(text_[position_]))) {
        Fail();
      }
      value = value * 10 + (text_[position_] - '0');
    }
    return value;
  }

  void Literal(char expected) {
    if (position_ >= text_.size() || text_[position_] != expected) Fail();
    ++position_;
  }

  int64_t Fraction() {
    if (position_ >= text_.size() || text_[position_] != '.') return 0;
    ++position_;
    int64_t nanos = 0;
    int digits = 0;
    while (position_ < text_.size() && std::isdigit(static_cast<unsigned char>(text_[position_]))) {
      if (digits < 9) nanos = nanos * 10 + (text_[position_] - '0');
      ++digits;
      ++position_;
    }
    if (digits == 0) Fail();
    for (int i = digits; i < 9; ++i) nanos *= 10;
    return nanos;
  }

  int64_t Offset() {
    if (position_ < text_.size() && (text_[position_] == 'Z' || text_[position_] == 'z')) {
      ++position_;
      return 0;
    }
    if (position_ >= text_.size() || (text_[position_] != '+' && text_[position_] != '-')) Fail();
    const int64_t sign = text_[position_++] == '-' ? -1 : 1;
    const int64_t hours = Digits(2);
    Literal(':');
    const int64_t minutes = Digits(2);
    return sign * (hours * 3600 + minutes * 60);
  }

  [[noreturn]] void Fail() const { throw BadRequest("invalid RFC 3339 time \"" + text_ + "\""); }

  const std::string& text_;
  size_t position_ = 0;
};

}  // namespace

int64_t ParseRfc3339Nanos(const std::string& text) { return TimeParser(text).Parse(); }

LogContainerInfo ParseLogContainerInfo(const nlohmann::json& info) {
  if (!info.is_object()) throw BadRequest("field \"Info\" must be an object");
  using StringMap = std::map<std::string, std::string>;
  using Strings = std::vector<std::string>;
  LogContainerInfo parsed;
  parsed.config = Field(info, "Config", StringMap{});
  parsed.container_id = Field(info, "ContainerID", std::string());
  parsed.container_name = Field(info, "ContainerName", std::string());
  parsed.entrypoint = Field(info, "ContainerEntrypoint", std::string());
  parsed.args = Field(info, "ContainerArgs", Strings{});
  parsed.image_id = Field(info, "ContainerImageID", std::string());
  parsed.image_name = Field(info, "ContainerImageName", std::string());
  parsed.created = Field(info, "ContainerCreated", std::string());
  parsed.env = Field(info, "ContainerEnv", Strings{});
  parsed.labels = Field(info, "ContainerLabels", StringMap{});
  parsed.log_path = Field(info, "LogPath", std::string());
  parsed.daemon_name = Field(info, "DaemonName", std::string());
  return parsed;
}

nlohmann::json LogContainerInfoJson(const LogContainerInfo& info) {
  return nlohmann::json{{"Config", info.config},
                        {"ContainerID", info.container_id},
                        {"ContainerName", info.container_name},
                        {"ContainerEntrypoint", info.entrypoint},
                        {"ContainerArgs", info.args},
                        {"ContainerImageID", info.image_id},
                        {"ContainerImageName", info.image_name},
                        {"ContainerCreated", info.created},
                        {"ContainerEnv", info.env},
                        {"ContainerLabels", info.labels},
                        {"LogPath", info.log_path},
                        {"DaemonName", info.daemon_name}};
}

ReadLogsConfig ParseReadLogsConfig(const nlohmann::json& config) {
  if (!config.is_object()) throw BadRequest("field \"Config\" must be an object");
  ReadLogsConfig parsed;
  parsed.since_nano =
      ParseRfc3339Nanos(Field(config, "Since", std::string("0001-01-01T00:00:00Z")));
  parsed.until_nano =
      ParseRfc3339Nanos(Field(config, "Until", std::string("0001-01-01T00:00:00Z")));
  parsed.tail = Field(config, "Tail", -1);
  parsed.follow = Field(config, "Follow", false);
  return parsed;
}

void AddLogDriverRoutes(PluginServer& server, LogDriver& driver) {
  server.Implements("LogDriver");
  server.Route(kInterface, "StartLogging", [&driver](const nlohmann::json& request) {
    driver.StartLogging(RequiredString(request, "File"),
                        ParseLogContainerInfo(request.value("Info", nlohmann::json::object())));
    return nlohmann::json::object();
  });
  server.Route(kInterface, "StopLogging", [&driver](const nlohmann::json& request) {
    driver.StopLogging(RequiredString(request, "File"));
    return nlohmann::json::object();
  });
  server.Route(kInterface, "Capabilities", [&driver](const nlohmann::json&) {
    return nlohmann::json{{"Cap", {{"ReadLogs", driver.CanReadLogs()}}}};
  });
  server.StreamRoute(
      kInterface, "ReadLogs",
      [&driver](const nlohmann::json& request, httplib::Response& response) {
        auto info = ParseLogContainerInfo(request.value("Info", nlohmann::json::object()));
        auto config = ParseReadLogsConfig(request.value("Config", nlohmann::json::object()));
        response.set_chunked_content_provider(
            "application/x-json-stream",
            [&driver, info = std::move(info), config](size_t, httplib::DataSink& sink) {
              std::string frame;
              driver.ReadLogs(info, config, [&](const LogEntry& entry) {
                frame.clear();
                AppendLogFrame(entry, frame);
                return sink.is_writable() && sink.write(frame.data(), frame.size());
              });
              sink.done();
              return true;
            });
      });
}

}  // namespace bulkhead
