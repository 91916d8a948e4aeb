// The log driver FIFO framing: a uint32 big-endian length, then a protobuf (proto3) LogEntry:
//
//   LogEntry { string source = 1; int64 time_nano = 2; bytes line = 3; bool partial = 4;
//              PartialLogEntryMetadata partial_log_metadata = 5; repeated LogAttr attrs = 6; }
//   PartialLogEntryMetadata { bool last = 1; string id = 2; int32 ordinal = 3; }
//   LogAttr { string key = 1; string value = 2; }
//
// Contract: EncodeLogFrame() writes what dockerd writes (default values left out). FrameDecoder
// takes bytes in any split, yields whole entries, and turns every malformed input (oversized or
// truncated frame, bad varint, wrong wire type, field past the frame) into a FrameError carrying
// the reason; it never crashes and never allocates more than its frame cap. A frame whose length
// is sane but whose payload is corrupt is consumed, and decoding goes on with the next frame. A
// length over the cap cannot be skipped (the stream has no resync marker): the decoder stays
// broken and every later Next() throws, so the caller must drop the stream.
#pragma once

#include <cstdint>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace bulkhead {

struct PartialLogMetadata {
  bool last = false;
  std::string id;
  int32_t ordinal = 0;
  bool operator==(const PartialLogMetadata& other) const {
    return last == other.last && id == other.id && ordinal == other.ordinal;
  }
};

struct LogEntry {
  std::string source;  // "stdout" or "stderr"
  int64_t time_nano = 0;
  std::string line;  // without the trailing newline; arbitrary bytes
  bool partial = false;
  bool has_partial_metadata = false;
  PartialLogMetadata partial_metadata;
  std::vector<std::pair<std::string, std::string>> attrs;
  bool operator==(const LogEntry& other) const {
    return source == other.source && time_nano == other.time_nano && line == other.line &&
           partial == other.partial && has_partial_metadata == other.has_partial_metadata &&
           partial_metadata == other.partial_metadata && attrs == other.attrs;
  }
};

class FrameError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// Serialises one entry as a protobuf message (no length prefix).
std::string EncodeLogEntry(const LogEntry& entry);
// Parses one protobuf message; throws FrameError on malformed input.
LogEntry DecodeLogEntry(std::string_view message);
// The length prefix of a frame: the first 4 bytes of `bytes`, big-endian (at least 4 needed).
uint32_t ReadFrameLength(std::string_view bytes);
// Appends the length-prefixed frame for `entry` to `out`.
void AppendLogFrame(const LogEntry& entry, std::string& out);
std::string EncodeLogFrame(const LogEntry& entry);

// Incremental decoder for a stream of frames.
class FrameDecoder {
 public:
  static constexpr uint32_t kDefaultMaxFrame = 1U << 20;

  explicit FrameDecoder(uint32_t max_frame_bytes = kDefaultMaxFrame);

  // Buffers more stream bytes.
  void Feed(std::string_view bytes);
  // Extracts the next whole entry into `entry`; false when more bytes are needed.
  // Throws FrameError on a malformed frame.
  bool Next(LogEntry& entry);
  bool broken() const { return !broken_reason_.empty(); }
  // Bytes held that do not yet form a whole frame.
  size_t buffered() const { return buffer_.size() - offset_; }
  // At end of stream: throws FrameError when a partial frame is left over.
  void Finish() const;

 private:
  uint32_t max_frame_bytes_;
  std::string buffer_;
  size_t offset_ = 0;
  std::string broken_reason_;
};

}  // namespace bulkhead
