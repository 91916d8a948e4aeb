#include "plugins/logs/fifo_ingest.h"

#include <fcntl.h>
#include <poll.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <cerrno>
#include <filesystem>
#include <stdexcept>
#include <thread>

#include "common/errno_text.h"

namespace bulkhead::logs {
namespace {

constexpr uint32_t kMaxFrame = 1U << 20;
constexpr size_t kReadChunk = size_t{1} << 21;         // holds at least one whole frame
constexpr uint64_t kCompactBytes = uint64_t{8} << 20;  // empty a fully decoded inbox this big
constexpr size_t kMaxEventBytes = size_t{1} << 20;     // a longer partial line is cut here
constexpr uint64_t kSpliceRound = uint64_t{1} << 20;   // bytes taken from the FIFO per round

// Whether `message` decodes as an entry dockerd writes: the resync test for a damaged stream.
bool PlausibleEntry(std::string_view message) {
  try {
    const LogEntry entry = DecodeLogEntry(message);
    return (entry.source == "stdout" || entry.source == "stderr") && entry.time_nano > 0;
  } catch (const FrameError&) {
    return false;
  }
}

}  // namespace

FifoIngest::FifoIngest(std::string fifo_path, std::shared_ptr<ContainerSpool> spool,
                       LogMetrics& metrics)
    : fifo_path_(std::move(fifo_path)), spool_(std::move(spool)), metrics_(metrics) {
  const std::string name = std::filesystem::path(fifo_path_).filename().string();
  inbox_path_ = spool_->directory() + "/inbox." + name;
  marker_key_ = "inbox." + name;
  fifo_fd_ = ::open(fifo_path_.c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC);
  if (fifo_fd_ < 0 && errno != ENOENT)
    throw std::runtime_error("opening log FIFO " + fifo_path_ + ": " + ErrnoText(errno));
  const bool resumed = std::filesystem::exists(inbox_path_);
  inbox_fd_ = ::open(inbox_path_.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (inbox_fd_ < 0) throw std::runtime_error("opening " + inbox_path_ + ": " + ErrnoText(errno));
  inbox_size_ = static_cast<uint64_t>(::lseek(inbox_fd_, 0, SEEK_END));
  // Past the end means the inbox was emptied after the marker was written: start over.
  const uint64_t marker = resumed ? spool_->FindMarker(marker_key_).value_or(0) : 0;
  decoded_ = safe_ = marker <= inbox_size_ ? marker : 0;
}

FifoIngest::~FifoIngest() {
  if (fifo_fd_ >= 0) ::close(fifo_fd_);
  if (inbox_fd_ >= 0) ::close(inbox_fd_);
}

bool FifoIngest::Run(const std::atomic<bool>& stopping) {
  DecodeInbox();  // what a killed predecessor left
  bool open = fifo_fd_ >= 0;
  while (open) {
    if (stopping) return false;
    if (spool_->OverQuota() && spool_->limits().policy == QuotaPolicy::kBlock) {
      std::this_thread::sleep_for(std::chrono::milliseconds(100));  // back-pressure on the FIFO
      continue;
    }
    pollfd ready{fifo_fd_, POLLIN, 0};
    if (::poll(&ready, 1, 200) <= 0) continue;
    open = Splice();
    DecodeInbox();
  }
  if (!pending_.source.empty())  // text left without a newline at EOF
    spool_->Append({TakePending()}, marker_key_, decoded_);
  ::close(inbox_fd_);
  inbox_fd_ = -1;
  std::filesystem::remove(inbox_path_);
  return true;
}

bool FifoIngest::Splice() {
  // At most kSpliceRound per call, so decoding keeps pace with a fast writer.
  for (uint64_t moved_total = 0; moved_total < kSpliceRound;) {
    auto offset = static_cast<loff_t>(inbox_size_);
    const ssize_t moved = ::splice(fifo_fd_, nullptr, inbox_fd_, &offset, size_t{1} << 16,
                                   SPLICE_F_MOVE | SPLICE_F_NONBLOCK);
    if (moved > 0) {
      inbox_size_ += static_cast<uint64_t>(moved);
      moved_total += static_cast<uint64_t>(moved);
      continue;
    }
    if (moved == 0) return false;  // EOF: dockerd closed its end
    if (errno == EAGAIN) return true;
    if (errno != EINTR)
      throw std::runtime_error("splicing " + fifo_path_ + " into " + inbox_path_ + ": " +
                               ErrnoText(errno));
  }
  return true;
}

void FifoIngest::DecodeInbox() {
  std::vector<LogEntry> events;
  std::string buffer(kReadChunk, '\0');
  while (decoded_ + 4 <= inbox_size_) {
    const ssize_t got =
        ::pread(inbox_fd_, buffer.data(), buffer.size(), static_cast<off_t>(decoded_));
    if (got < 4) break;
    const size_t used =
        DecodeChunk(std::string_view(buffer.data(), static_cast<size_t>(got)), events);
    if (used == 0) break;
    decoded_ += used;
    // One append per chunk keeps memory flat however far behind the inbox is.
    safe_ = pending_.source.empty() ? decoded_ : pending_start_;
    spool_->Append(events, marker_key_, safe_);
    events.clear();
  }
  CompactInbox();
}

size_t FifoIngest::DecodeChunk(std::string_view chunk, std::vector<LogEntry>& events) {
  size_t used = 0;
  while (used + 4 <= chunk.size()) {
    const uint32_t length = ReadFrameLength(chunk.substr(used));
    const bool whole = length <= kMaxFrame && used + 4 + length <= chunk.size();
    if (length > kMaxFrame ||
        (resyncing_ && whole && !PlausibleEntry(chunk.substr(used + 4, length)))) {
      if (!resyncing_) {
        metrics_.corrupt_frames += 1;
        spdlog::error("log FIFO {}: frame length {} at inbox offset {}; resynchronising",
                      fifo_path_, length, decoded_ + used);
      }
      resyncing_ = true;
      used += 1;  // try the next byte as a frame start
      continue;
    }
    if (!whole) break;  // the rest is still coming
    resyncing_ = false;
    Consume(chunk.substr(used + 4, length), decoded_ + used, events);
    used += 4 + length;
  }
  return used;
}

void FifoIngest::Consume(std::string_view message, uint64_t frame_start,
                         std::vector<LogEntry>& events) {
  LogEntry piece;
  try {
    piece = DecodeLogEntry(message);
  } catch (const FrameError& e) {
    metrics_.corrupt_frames += 1;
    spdlog::error("log FIFO {}: corrupt frame skipped: {}", fifo_path_, e.what());
    return;
  }
  metrics_.lines_in += 1;
  metrics_.bytes_in += piece.line.size();
  if (!piece.partial) {
    events.push_back(std::move(piece));
    return;
  }
  const bool last = piece.partial_metadata.last;
  if (pending_.source.empty()) {
    pending_ = std::move(piece);  // the first piece: its time is the event's
    pending_start_ = frame_start;
  } else {
    pending_.line += piece.line;
  }
  if (last || pending_.line.size() >= kMaxEventBytes) events.push_back(TakePending());
}

LogEntry FifoIngest::TakePending() {
  LogEntry event = std::move(pending_);
  pending_ = {};
  event.partial = false;
  event.has_partial_metadata = false;
  event.partial_metadata = {};
  return event;
}

void FifoIngest::CompactInbox() {
  if (decoded_ != inbox_size_ || safe_ != decoded_ || inbox_size_ < kCompactBytes) return;
  if (::ftruncate(inbox_fd_, 0) != 0)
    throw std::runtime_error("emptying " + inbox_path_ + ": " + ErrnoText(errno));
  inbox_size_ = decoded_ = safe_ = 0;
}

}  // namespace bulkhead::logs
