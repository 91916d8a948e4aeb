// ContainerSpool: one container's write-ahead log of log events on the host, the single source
// for `docker logs` and for every sink.
//
// Contract: Append() writes whole length-prefixed LogEntry frames with one write() per batch, so
// a killed plugin leaves at most one torn frame at the end, which readers treat as not yet
// written. Events are addressed by SpoolPosition (segment number, byte offset). A segment is
// closed once it holds max_segment_bytes; the oldest segments beyond max_segments are deleted,
// but never one that a sink cursor (cursor.<sink> files in the directory) has not passed.
// The quota bounds the bytes of all segments: when an append would pass it, kBlock makes
// OverQuota() true (the ingest stops taking from the FIFO until shipping frees segments),
// kDropNewest drops the batch, kDropOldest deletes the oldest segments, shipped or not; every
// dropped event is counted in dropped().
// Readers may run in other threads and other spool objects on the same directory.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "common/log_entry_codec.h"

namespace bulkhead::logs {

struct SpoolPosition {
  uint64_t segment = 1;
  uint64_t offset = 0;
  bool operator==(const SpoolPosition& other) const {
    return segment == other.segment && offset == other.offset;
  }
};

enum class QuotaPolicy { kBlock, kDropOldest, kDropNewest };

struct SpoolLimits {
  uint64_t max_segment_bytes = uint64_t{10} << 20;  // a segment is closed at this size
  int max_segments = 5;                             // shipped segments beyond this are deleted
  uint64_t quota_bytes = uint64_t{1} << 30;
  QuotaPolicy policy = QuotaPolicy::kBlock;
};

class ContainerSpool {
 public:
  ContainerSpool(std::string directory, SpoolLimits limits);
  ~ContainerSpool();
  ContainerSpool(const ContainerSpool&) = delete;
  ContainerSpool& operator=(const ContainerSpool&) = delete;

  const std::string& directory() const { return directory_; }
  const SpoolLimits& limits() const { return limits_; }
  // Appends `entries`; the last one carries the attr (`marker_key`, `marker`), which
  // FindMarker() returns until a later append carries a newer one. Empty batches write nothing.
  void Append(std::vector<LogEntry> entries, const std::string& marker_key, uint64_t marker);
  void Append(const std::vector<LogEntry>& entries);
  std::optional<uint64_t> FindMarker(const std::string& marker_key) const;
  // Reads up to `max_entries` events from `from` into `out`; returns the position after them.
  SpoolPosition Read(SpoolPosition from, size_t max_entries, std::vector<LogEntry>& out) const;
  SpoolPosition Start() const;  // the oldest position still stored
  // Waits until something is appended, Finish() is called, or `timeout` passes.
  void WaitForData(std::chrono::milliseconds timeout);
  void Finish();  // the stream ended: followers stop at the end
  void Resume();  // a new stream of the same container started
  bool finished() const;

  SpoolPosition LoadCursor(const std::string& sink) const;
  // Saves a sink's progress and deletes the segments every sink has now passed (if over
  // max_segments).
  void SaveCursor(const std::string& sink, SpoolPosition position);

  uint64_t Bytes() const;  // all segments
  bool OverQuota() const { return Bytes() >= limits_.quota_bytes; }
  uint64_t dropped() const { return dropped_; }

 private:
  std::vector<uint64_t> Segments() const;
  std::string SegmentPath(uint64_t segment) const;
  void OpenSegment(uint64_t segment);  // requires mutex_
  void DeleteOldSegments();            // requires mutex_

  uint64_t CountEvents(uint64_t segment) const;
  void DropOldest();                     // requires mutex_
  void RemoveSegment(uint64_t segment);  // requires mutex_
  uint64_t ScanBytes() const;            // sums the segment files

  std::string directory_;
  SpoolLimits limits_;
  std::atomic<uint64_t> dropped_{0};
  // Bytes of all segments, kept by the spool that appends (the quota checks run on every FIFO
  // read); -1 until its first append, Bytes() then sums the files.
  std::atomic<int64_t> bytes_{-1};
  mutable std::mutex mutex_;
  std::condition_variable appended_;
  int fd_ = -1;
  uint64_t segment_ = 0;
  uint64_t segment_bytes_ = 0;
  uint64_t appends_ = 0;
  bool finished_ = false;
};

}  // namespace bulkhead::logs
