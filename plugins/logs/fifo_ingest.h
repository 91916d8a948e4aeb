// FifoIngest: moves one log FIFO's bytes onto the host and into its container's spool, so that a
// plugin killed at any instant loses no line and repeats none.
//
// Contract: bytes leave the FIFO only through splice() into an inbox file next to the spool, so
// every byte is at any instant either still in the pipe or in the inbox. Frames are decoded from
// the inbox, partial pieces are joined into one event, and each batch is appended to the spool
// with a marker on its last event: the inbox offset before which everything is in the spool. A
// restarted plugin resumes decoding exactly there. A corrupt frame is skipped and counted; a
// length past the frame cap is resynchronised by scanning for the next frame that decodes as a
// docker entry. The inbox is emptied when fully decoded and large, and removed at EOF. Run() is
// also how a restarted plugin drains an inbox whose FIFO is already gone.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "plugins/logs/metrics.h"
#include "plugins/logs/spool.h"

namespace bulkhead::logs {

class FifoIngest {
 public:
  FifoIngest(std::string fifo_path, std::shared_ptr<ContainerSpool> spool, LogMetrics& metrics);
  ~FifoIngest();
  FifoIngest(const FifoIngest&) = delete;
  FifoIngest& operator=(const FifoIngest&) = delete;

  // Ingests until the FIFO's EOF (or, when the FIFO is gone, until the inbox is drained) and
  // returns true; returns false early once `stopping` is set, leaving the inbox for a restart.
  bool Run(const std::atomic<bool>& stopping);

 private:
  // Splices what the pipe holds into the inbox; false at EOF.
  bool Splice();
  // Decodes every whole frame after decoded_ and appends the events to the spool, a chunk at a
  // time.
  void DecodeInbox();
  // Decodes the whole frames at the start of `chunk` (at inbox offset decoded_); returns the
  // bytes used.
  size_t DecodeChunk(std::string_view chunk, std::vector<LogEntry>& events);
  // Adds one decoded frame: an event, or a piece of one.
  void Consume(std::string_view message, uint64_t frame_start, std::vector<LogEntry>& events);
  LogEntry TakePending();
  void CompactInbox();

  std::string fifo_path_;
  std::string inbox_path_;
  std::string marker_key_;
  std::shared_ptr<ContainerSpool> spool_;
  LogMetrics& metrics_;
  int fifo_fd_ = -1;
  int inbox_fd_ = -1;
  uint64_t inbox_size_ = 0;
  uint64_t decoded_ = 0;  // inbox offset after the last frame decoded
  uint64_t safe_ = 0;     // inbox offset before which every event is in the spool
  LogEntry pending_;      // partial pieces joined so far
  uint64_t pending_start_ = 0;
  bool resyncing_ = false;  // skipping bytes until a frame decodes as a docker entry
};

}  // namespace bulkhead::logs
