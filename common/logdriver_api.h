// LogDriver protocol (docker.logdriver/1.0): the routes and the driver interface.
//
// Contract: AddLogDriverRoutes() decodes StartLogging `{File, Info}`, StopLogging `{File}`,
// ReadLogs `{Info, Config:{Since,Until,Tail,Follow}}` (the daemon's real keys, not the docs') and
// answers Capabilities as `{"Cap":{"ReadLogs":b}}`. ReadLogs streams FIFO-framed LogEntry records
// with chunked encoding, flushing each entry; the stream ends when the driver returns or the
// client goes away. StopLogging for an unknown file must succeed (dockerd never releases the
// plugin otherwise).
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "common/log_entry_codec.h"
#include "common/plugin_server.h"

namespace bulkhead {

// The container description sent with StartLogging and ReadLogs.
struct LogContainerInfo {
  std::map<std::string, std::string> config;  // --log-opt values, daemon options included
  std::string container_id;
  std::string container_name;  // with dockerd's leading '/'
  std::string entrypoint;
  std::vector<std::string> args;
  std::string image_id;
  std::string image_name;
  std::string created;           // RFC 3339
  std::vector<std::string> env;  // K=V
  std::map<std::string, std::string> labels;
  std::string log_path;
  std::string daemon_name;
};

struct ReadLogsConfig {
  int64_t since_nano = 0;  // 0: unset
  int64_t until_nano = 0;  // 0: unset
  int tail = -1;           // -1: all, 0: none, n: last n
  bool follow = false;
};

// Receives ReadLogs entries; returns false once the client has gone.
using LogEntryWriter = std::function<bool(const LogEntry& entry)>;

class LogDriver {
 public:
  virtual ~LogDriver() = default;
  // Starts reading `fifo_path`; throwing fails the container start with the message.
  virtual void StartLogging(const std::string& fifo_path, const LogContainerInfo& info) = 0;
  virtual void StopLogging(const std::string& fifo_path) = 0;
  virtual bool CanReadLogs() = 0;
  // Writes the selected entries; with follow, blocks for new ones until the writer returns false
  // or the container's logging stops.
  virtual void ReadLogs(const LogContainerInfo& info, const ReadLogsConfig& config,
                        const LogEntryWriter& write) = 0;
};

void AddLogDriverRoutes(PluginServer& server, LogDriver& driver);

LogContainerInfo ParseLogContainerInfo(const nlohmann::json& info);
nlohmann::json LogContainerInfoJson(const LogContainerInfo& info);
ReadLogsConfig ParseReadLogsConfig(const nlohmann::json& config);

// Parses an RFC 3339 time (Go's time.Time JSON) to Unix nanoseconds; Go's zero time gives 0.
// Throws BadRequest on malformed input.
int64_t ParseRfc3339Nanos(const std::string& text);

}  // namespace bulkhead
