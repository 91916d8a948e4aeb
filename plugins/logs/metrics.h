// LogMetrics: the plugin's counters, rendered in the Prometheus text format for GET /metrics.
// Thread-safe; counters only grow.
#pragma once

#include <atomic>
#include <cstdint>
#include <map>
#include <mutex>
#include <string>

namespace bulkhead::logs {

class LogMetrics {
 public:
  std::atomic<uint64_t> lines_in{0};
  std::atomic<uint64_t> bytes_in{0};
  std::atomic<uint64_t> corrupt_frames{0};
  void AddSink(const std::string& sink, uint64_t acked, uint64_t retried) {
    std::lock_guard<std::mutex> lock(mutex_);
    sinks_[sink].first += acked;
    sinks_[sink].second += retried;
  }
  std::string Render() const {
    std::string text =
        "# TYPE bulkhead_logs_lines_in_total counter\nbulkhead_logs_lines_in_total " +
        std::to_string(lines_in) +
        "\n# TYPE bulkhead_logs_bytes_in_total counter\nbulkhead_logs_bytes_in_total " +
        std::to_string(bytes_in) +
        "\n# TYPE bulkhead_logs_corrupt_frames_total counter\nbulkhead_logs_corrupt_frames_total " +
        std::to_string(corrupt_frames) +
        "\n# TYPE bulkhead_logs_sink_acked_total counter\n"
        "# TYPE bulkhead_logs_sink_retried_total counter\n";
    std::lock_guard<std::mutex> lock(mutex_);
    for (const auto& [sink, counts] : sinks_) {
      text += "bulkhead_logs_sink_acked_total{sink=\"" + sink + "\"} " +
              std::to_string(counts.first) + "\nbulkhead_logs_sink_retried_total{sink=\"" + sink +
              "\"} " + std::to_string(counts.second) + "\n";
    }
    return text;
  }

 private:
  mutable std::mutex mutex_;
  std::map<std::string, std::pair<uint64_t, uint64_t>> sinks_;  // acked, retried batches' events
};

}  // namespace bulkhead::logs
