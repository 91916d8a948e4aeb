#include "plugins/logs/logs_driver.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <deque>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <random>

#include "common/atomic_file.h"
#include "plugins/logs/fifo_ingest.h"
#include "plugins/logs/file_follower.h"
#include "plugins/logs/sink.h"

namespace bulkhead::logs {
namespace {

constexpr size_t kBatchEntries = 512;

std::chrono::milliseconds Backoff(int failures) {
  static thread_local std::mt19937 random(std::random_device{}());
  const int64_t ceiling = std::min<int64_t>(30000, 100LL << std::min(failures, 9));
  return std::chrono::milliseconds(
      std::uniform_int_distribution<int64_t>(ceiling / 2, ceiling)(random));
}

}  // namespace

struct LogsDriver::ContainerLog {
  std::shared_ptr<ContainerSpool> spool;
  int readers = 0;        // FIFOs being read
  bool shipping = false;  // shipper threads running
};

LogsDriver::LogsDriver(LogsSettings settings) : settings_(std::move(settings)) {
  std::filesystem::create_directories(settings_.state_dir + "/spool");
}

LogsDriver::~LogsDriver() {
  stopping_ = true;
  std::unique_lock<std::mutex> lock(mutex_);
  threads_done_.wait(lock, [this] { return threads_ == 0; });
}

void LogsDriver::Spawn(std::function<void()> body) {
  ++threads_;  // requires mutex_
  std::thread([this, body = std::move(body)] {
    body();
    std::lock_guard<std::mutex> lock(mutex_);
    if (--threads_ == 0) threads_done_.notify_all();
  }).detach();
}

std::string LogsDriver::SpoolDirectory(const std::string& container_id) const {
  return settings_.state_dir + "/spool/" + container_id;
}

void LogsDriver::StartLogging(const std::string& fifo_path, const LogContainerInfo& info) {
  if (info.container_id.empty() || info.container_id.find('/') != std::string::npos)
    throw BadRequest("StartLogging: Info.ContainerID is missing or invalid");
  const LogOptions options = ParseLogOptions(info, settings_.host);
  std::lock_guard<std::mutex> lock(mutex_);
  ContainerLog& container = Attach(info, options);
  streams_[fifo_path] = info;
  SaveStreams();
  ++container.readers;
  Spawn([this, fifo_path, id = info.container_id, spool = container.spool] {
    ReadFifo(fifo_path, id, spool);
  });
}

LogsDriver::ContainerLog& LogsDriver::Attach(const LogContainerInfo& info,
                                             const LogOptions& options) {
  auto& container = containers_[info.container_id];
  if (!container) {
    container = std::make_unique<ContainerLog>();
    container->spool =
        std::make_shared<ContainerSpool>(SpoolDirectory(info.container_id), options.spool);
  }
  container->spool->Resume();
  if (!container->shipping) {
    container->shipping = true;
    for (auto& sink : MakeSinks(options, container->spool->directory())) {
      Spawn([this, id = info.container_id, meta = options.meta,
             shared = std::shared_ptr<LogSink>(std::move(sink))] { Ship(id, meta, shared); });
    }
  }
  return *container;
}

void LogsDriver::StopLogging(const std::string& fifo_path) {
  spdlog::info("StopLogging {}: reading on until dockerd closes it", fifo_path);
}

void LogsDriver::ReadFifo(const std::string& fifo_path, const std::string& container_id,
                          const std::shared_ptr<ContainerSpool>& spool) {
  try {
    FifoIngest ingest(fifo_path, spool, metrics_);
    if (!ingest.Run(stopping_)) return;  // going down: the FIFO stays recorded for the restart
  } catch (const std::exception& e) {
    spdlog::error("log FIFO {} of container {}: {}", fifo_path, container_id, e.what());
  }
  std::lock_guard<std::mutex> lock(mutex_);
  if (--containers_.at(container_id)->readers == 0) spool->Finish();
  streams_.erase(fifo_path);
  SaveStreams();
}

// Ends a shipper whose container's logging has finished and whose spool it has drained; false
// when logging resumed meanwhile (decided under mutex_, where StartLogging resumes it).
bool LogsDriver::ShipperDone(const std::string& container_id) {
  std::lock_guard<std::mutex> lock(mutex_);
  ContainerLog& container = *containers_.at(container_id);
  if (!container.spool->finished()) return false;
  container.shipping = false;
  return true;
}

void LogsDriver::Ship(const std::string& container_id, const ContainerMeta& meta,
                      const std::shared_ptr<LogSink>& sink) {
  std::shared_ptr<ContainerSpool> spool;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    spool = containers_.at(container_id)->spool;
  }
  const std::string name = sink->name();
  SpoolPosition cursor = spool->LoadCursor(name);
  int failures = 0;
  std::vector<LogEntry> batch;
  while (!stopping_) {
    batch.clear();
    const SpoolPosition next = spool->Read(cursor, sink->max_batch(), batch);
    if (batch.empty()) {
      if (spool->finished() && ShipperDone(container_id)) return;
      spool->WaitForData(std::chrono::milliseconds(200));
      continue;
    }
    try {
      sink->Send(batch, meta);
      spool->SaveCursor(name, next);
      cursor = next;
      failures = 0;
      metrics_.AddSink(name, batch.size(), 0);
    } catch (const std::exception& e) {
      metrics_.AddSink(name, 0, batch.size());
      const auto wait = Backoff(failures++);
      spdlog::warn("sink {} for {}: {}; retrying in {} ms", name, meta.container_name, e.what(),
                   wait.count());
      for (auto waited = std::chrono::milliseconds(0); waited < wait && !stopping_;
           waited += std::chrono::milliseconds(100)) {
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
      }
    }
  }
}

void LogsDriver::ReadLogs(const LogContainerInfo& info, const ReadLogsConfig& config,
                          const LogEntryWriter& write_line) {
  // dockerd prints ReadLogs lines as they come: the newline the FIFO framing dropped goes back.
  auto write = [&write_line](LogEntry entry) {
    entry.line += '\n';
    entry.attrs.clear();  // spool markers are not the container's
    return write_line(entry);
  };
  const std::string directory = SpoolDirectory(info.container_id);
  if (info.container_id.empty() || !std::filesystem::exists(directory)) return;
  std::shared_ptr<ContainerSpool> spool;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    auto it = containers_.find(info.container_id);
    if (it != containers_.end()) spool = it->second->spool;
  }
  if (!spool) spool = std::make_shared<ContainerSpool>(directory, SpoolLimits{});  // read only
  const bool live = config.follow && !spool->finished();
  auto selected = [&](const LogEntry& entry) {
    return entry.time_nano >= config.since_nano &&
           (config.until_nano == 0 || entry.time_nano <= config.until_nano);
  };
  std::deque<LogEntry> tail;
  std::vector<LogEntry> batch;
  SpoolPosition position = spool->Start();
  while (true) {
    batch.clear();
    position = spool->Read(position, kBatchEntries, batch);
    if (batch.empty()) break;
    for (auto& entry : batch) {
      if (!selected(entry)) continue;
      if (config.tail < 0) {
        if (!write(entry)) return;
        continue;
      }
      tail.push_back(std::move(entry));
      if (tail.size() > static_cast<size_t>(config.tail)) tail.pop_front();
    }
  }
  for (const auto& entry : tail) {
    if (!write(entry)) return;
  }
  while (live && !stopping_) {
    batch.clear();
    position = spool->Read(position, kBatchEntries, batch);
    for (const auto& entry : batch) {
      if (selected(entry) && !write(entry)) return;
    }
    if (batch.empty()) {
      if (spool->finished()) return;
      spool->WaitForData(std::chrono::milliseconds(500));
    }
  }
}

namespace {

// A log volume's events carry the volume's name where a container's carry the container's.
LogContainerInfo VolumeStreamInfo(const std::string& name, const VolumeOptions& options) {
  LogContainerInfo info;
  info.config = options;
  info.container_id = "volume-" + name;
  info.container_name = name;
  info.daemon_name = "docker";
  return info;
}

}  // namespace

void LogsDriver::ValidateVolumeOptions(const std::string& name, const VolumeOptions& options) {
  ParseLogOptions(VolumeStreamInfo(name, options), "");
}

void LogsDriver::FollowVolume(const std::string& name, const VolumeOptions& options,
                              const std::string& directory) {
  const LogContainerInfo info = VolumeStreamInfo(name, options);
  const LogOptions parsed = ParseLogOptions(info, settings_.host);
  std::lock_guard<std::mutex> lock(mutex_);
  if (following_.count(name) != 0) return;
  ContainerLog& container = Attach(info, parsed);
  ++container.readers;
  auto stop = std::make_shared<std::atomic<bool>>(false);
  following_[name] = stop;
  Spawn([this, name, directory, stop, id = info.container_id, spool = container.spool] {
    FileFollower follower(directory, spool, metrics_);
    if (!follower.Run(*stop, stopping_)) return;  // going down: volumes.json has it
    std::lock_guard<std::mutex> lock(mutex_);
    if (--containers_.at(id)->readers == 0) spool->Finish();
  });
}

void LogsDriver::StopFollowing(const std::string& name) {
  std::lock_guard<std::mutex> lock(mutex_);
  auto it = following_.find(name);
  if (it == following_.end()) return;
  *it->second = true;
  following_.erase(it);
}

std::string LogsDriver::Metrics() {
  uint64_t dropped = 0;
  uint64_t bytes = 0;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    for (const auto& [id, container] : containers_) {
      dropped += container->spool->dropped();
      bytes += container->spool->Bytes();
    }
  }
  return metrics_.Render() +
         "# TYPE bulkhead_logs_dropped_total counter\nbulkhead_logs_dropped_total " +
         std::to_string(dropped) +
         "\n# TYPE bulkhead_logs_spool_bytes gauge\nbulkhead_logs_spool_bytes " +
         std::to_string(bytes) + "\n";
}

void LogsDriver::SaveStreams() {
  nlohmann::json table = nlohmann::json::object();
  for (const auto& [fifo, info] : streams_) table[fifo] = LogContainerInfoJson(info);
  ReplaceFileAtomically(settings_.state_dir + "/streams.json", table.dump(), Durability::kFsync);
}

void LogsDriver::Recover() {
  std::ifstream in(settings_.state_dir + "/streams.json");
  nlohmann::json table = nlohmann::json::object();
  if (in) {
    try {
      table = nlohmann::json::parse(in);
    } catch (const nlohmann::json::exception& e) {
      spdlog::error("streams.json is corrupt ({}); FIFOs of running containers are lost", e.what());
    }
  }
  // A FIFO that is gone belonged to a container that stopped while the plugin was down: its
  // reader then only drains what the inbox holds.
  for (const auto& [fifo, json] : table.items()) {
    spdlog::info("reattaching {}{}", fifo,
                 std::filesystem::exists(fifo) ? "" : " (gone: draining)");
    StartLogging(fifo, ParseLogContainerInfo(json));
  }
}

}  // namespace bulkhead::logs
