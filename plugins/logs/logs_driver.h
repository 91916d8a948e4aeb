// LogsDriver: the docker.logdriver/1.0 driver of bulkhead/logs.
//
// Contract:
//  - StartLogging validates the options (an unknown one fails the container start), records the
//    FIFO and its container info in state_dir/streams.json, and starts a FifoIngest thread, which
//    never waits on a sink and loses nothing when the plugin is killed (see fifo_ingest.h).
//  - One shipper thread per container and sink sends spooled events from its saved cursor and
//    advances the cursor only after Send() succeeded; failures are retried with jittered
//    exponential backoff (100 ms to 30 s), for ever: nothing is dropped.
//  - StopLogging always succeeds; the reader keeps reading until EOF, which dockerd sends right
//    after the reply, then forgets the FIFO.
//  - Recover() (at start) reattaches every recorded FIFO (dockerd never resends StartLogging to a
//    restarted plugin), drains the inboxes of FIFOs that are gone, and resumes their shippers.
//  - ReadLogs serves tail, since/until and follow from the spool, also for stopped containers
//    and after a restart.
#pragma once

#include <atomic>
#include <condition_variable>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>

#include "common/logdriver_api.h"
#include "common/volume_api.h"
#include "plugins/logs/log_options.h"
#include "plugins/logs/metrics.h"
#include "plugins/logs/spool.h"

namespace bulkhead::logs {

class LogSink;

struct LogsSettings {
  std::string state_dir = "/var/lib/bulkhead-logs";  // streams.json and spool/<container id>/
  std::string host;                                  // the host name events carry
};

class LogsDriver : public LogDriver {
 public:
  explicit LogsDriver(LogsSettings settings);
  ~LogsDriver() override;
  LogsDriver(const LogsDriver&) = delete;
  LogsDriver& operator=(const LogsDriver&) = delete;

  void StartLogging(const std::string& fifo_path, const LogContainerInfo& info) override;
  void StopLogging(const std::string& fifo_path) override;
  bool CanReadLogs() override { return true; }
  void ReadLogs(const LogContainerInfo& info, const ReadLogsConfig& config,
                const LogEntryWriter& write) override;
  void Recover();

  // Log volumes (see LogVolumes): their options are log options, checked like StartLogging's.
  static void ValidateVolumeOptions(const std::string& name, const VolumeOptions& options);
  // Ships the files under `directory` as the stream of log volume `name`.
  void FollowVolume(const std::string& name, const VolumeOptions& options,
                    const std::string& directory);
  // Ships every file of `name` to its end, then stops following it.
  void StopFollowing(const std::string& name);
  // The Prometheus text for GET /metrics: counters plus quota drops and spool bytes.
  std::string Metrics();

 private:
  struct ContainerLog;
  ContainerLog& Attach(const LogContainerInfo& info, const LogOptions& options);  // mutex_
  void Spawn(std::function<void()> body);  // requires mutex_; the destructor waits for it
  void ReadFifo(const std::string& fifo_path, const std::string& container_id,
                const std::shared_ptr<ContainerSpool>& spool);
  void Ship(const std::string& container_id, const ContainerMeta& meta,
            const std::shared_ptr<LogSink>& sink);
  bool ShipperDone(const std::string& container_id);
  void SaveStreams();  // requires mutex_
  std::string SpoolDirectory(const std::string& container_id) const;

  LogsSettings settings_;
  LogMetrics metrics_;
  std::atomic<bool> stopping_{false};
  std::mutex mutex_;                                                 // guards the maps below
  std::map<std::string, LogContainerInfo> streams_;                  // FIFO path -> container info
  std::map<std::string, std::unique_ptr<ContainerLog>> containers_;  // by container id
  std::map<std::string, std::shared_ptr<std::atomic<bool>>> following_;  // volume -> stop flag
  int threads_ = 0;
  std::condition_variable threads_done_;
};

}  // namespace bulkhead::logs
