// Micro-benchmark of the logs plugin's per-line work on one core: decode a FIFO frame, build the
// event's JSON (enrich: container metadata, tag) and serialise it, as the Elasticsearch, S3 and
// AMQP sinks do. Prints the median of 5 runs over 1M lines.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <string>
#include <vector>

#include "common/log_entry_codec.h"
#include "plugins/logs/event_json.h"

int main() {
  using bulkhead::LogEntry;
  constexpr int kLines = 1000000;
  std::string stream;
  for (int i = 0; i < kLines; ++i) {
    LogEntry entry;
    entry.source = "stdout";
    entry.time_nano = 1764000000000000000 + i;
    entry.line = "2026-11-25 12:00:00 INFO request handled path=/api/v1/orders status=200 n=" +
                 std::to_string(i);
    bulkhead::AppendLogFrame(entry, stream);
  }
  bulkhead::logs::ContainerMeta meta{"0123456789abcdef",   "billing-api", "billing:1.4",
                                     "sha256:fedcba",      "host-1",      "billing-api",
                                     {{"team", "billing"}}};
  std::vector<double> seconds;
  size_t bytes_out = 0;
  for (int run = 0; run < 5; ++run) {
    const auto start = std::chrono::steady_clock::now();
    bulkhead::FrameDecoder decoder;
    decoder.Feed(stream);
    LogEntry entry;
    bytes_out = 0;
    while (decoder.Next(entry))
      bytes_out += bulkhead::logs::EventDocument(entry, meta).dump().size();
    seconds.push_back(
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
  }
  std::sort(seconds.begin(), seconds.end());
  const double median = seconds[2];
  std::printf(
      "decode + enrich + encode (JSON), 1 core: %.0f lines/s, %.0f ns/line (median of 5; "
      "%.1f MB in, %.1f MB out)\n",
      kLines / median, median * 1e9 / kLines, static_cast<double>(stream.size()) / 1e6,
      static_cast<double>(bytes_out) / 1e6);
  return 0;
}
