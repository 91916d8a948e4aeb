#include "plugins/logs/spool.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <filesystem>
#include <fstream>
#include <stdexcept>

#include "common/atomic_file.h"
#include "common/errno_text.h"

namespace bulkhead::logs {
namespace {

constexpr size_t kReadChunk = size_t{256} * 1024;

}  // namespace

ContainerSpool::ContainerSpool(std::string directory, SpoolLimits limits)
    : directory_(std::move(directory)), limits_(limits) {
  limits_.max_segments = std::max(limits_.max_segments, 1);
  std::filesystem::create_directories(directory_);
}

ContainerSpool::~ContainerSpool() {
  if (fd_ >= 0) ::close(fd_);
}

std::string ContainerSpool::SegmentPath(uint64_t segment) const {
  char name[32];
  std::snprintf(name, sizeof(name), "%012llu.log", static_cast<unsigned long long>(segment));
  return directory_ + "/" + name;
}

std::vector<uint64_t> ContainerSpool::Segments() const {
  std::vector<uint64_t> segments;
  for (const auto& file : std::filesystem::directory_iterator(directory_)) {
    const std::string name = file.path().filename().string();
    if (name.size() == 16 && name.compare(12, 4, ".log") == 0)
      segments.push_back(std::stoull(name.substr(0, 12)));
  }
  std::sort(segments.begin(), segments.end());
  return segments;
}

// Cuts a frame torn by a crash off the end of `path`, so appends continue on a frame boundary.
static void TruncateTornFrame(const std::string& path) {
  const uint64_t size = std::filesystem::file_size(path);
  std::ifstream in(path, std::ios::binary);
  uint64_t whole = 0;
  char prefix[4];
  while (whole + 4 <= size && in.seekg(static_cast<std::streamoff>(whole)) && in.read(prefix, 4)) {
    const uint64_t next = whole + 4 + ReadFrameLength(std::string_view(prefix, 4));
    if (next > size) break;
    whole = next;
  }
  if (whole < size) std::filesystem::resize_file(path, whole);
}

void ContainerSpool::OpenSegment(uint64_t segment) {
  if (fd_ >= 0) ::close(fd_);
  const std::string path = SegmentPath(segment);
  if (std::filesystem::exists(path)) TruncateTornFrame(path);
  fd_ = ::open(path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
  if (fd_ < 0) throw std::runtime_error("opening spool segment " + path + ": " + ErrnoText(errno));
  segment_ = segment;
  segment_bytes_ = static_cast<uint64_t>(::lseek(fd_, 0, SEEK_END));
}

void ContainerSpool::Append(std::vector<LogEntry> entries, const std::string& marker_key,
                            uint64_t marker) {
  if (entries.empty()) return;
  entries.back().attrs.emplace_back(marker_key, std::to_string(marker));
  Append(entries);
}

std::optional<uint64_t> ContainerSpool::FindMarker(const std::string& marker_key) const {
  const auto segments = Segments();
  for (auto segment = segments.rbegin(); segment != segments.rend(); ++segment) {
    std::optional<uint64_t> found;
    std::vector<LogEntry> entries;
    for (SpoolPosition at{*segment, 0};;) {
      entries.clear();
      const SpoolPosition next = Read(at, 4096, entries);
      for (const LogEntry& entry : entries) {
        for (const auto& [key, value] : entry.attrs) {
          if (key == marker_key) found = std::stoull(value);
        }
      }
      if (entries.empty() || next.segment != *segment) break;
      at = next;
    }
    if (found) return found;
  }
  return std::nullopt;
}

void ContainerSpool::Append(const std::vector<LogEntry>& entries) {
  if (entries.empty()) return;
  std::string frames;
  for (const LogEntry& entry : entries) AppendLogFrame(entry, frames);
  std::lock_guard<std::mutex> lock(mutex_);
  if (fd_ < 0) {
    const auto segments = Segments();
    OpenSegment(segments.empty() ? 1 : segments.back());
    bytes_ = static_cast<int64_t>(ScanBytes());  // from here on kept up to date in memory
  }
  if (limits_.policy == QuotaPolicy::kDropNewest && Bytes() + frames.size() > limits_.quota_bytes) {
    dropped_ += entries.size();
    return;
  }
  if (segment_bytes_ >= limits_.max_segment_bytes) {
    OpenSegment(segment_ + 1);
    DeleteOldSegments();
  }
  for (size_t done = 0; done < frames.size();) {
    const ssize_t written = ::write(fd_, frames.data() + done, frames.size() - done);
    if (written < 0 && errno == EINTR) continue;
    if (written < 0)
      throw std::runtime_error("appending to " + SegmentPath(segment_) + ": " + ErrnoText(errno));
    done += static_cast<size_t>(written);
  }
  segment_bytes_ += frames.size();
  bytes_ += static_cast<int64_t>(frames.size());
  if (limits_.policy == QuotaPolicy::kDropOldest) DropOldest();
  ++appends_;
  appended_.notify_all();
}

void ContainerSpool::DeleteOldSegments() {
  auto segments = Segments();
  if (segments.size() <= static_cast<size_t>(limits_.max_segments)) return;
  uint64_t oldest_needed = segment_;
  for (const auto& file : std::filesystem::directory_iterator(directory_)) {
    const std::string name = file.path().filename().string();
    if (name.rfind("cursor.", 0) == 0)
      oldest_needed = std::min(oldest_needed, LoadCursor(name.substr(7)).segment);
  }
  for (size_t i = 0; i + limits_.max_segments < segments.size() && segments[i] < oldest_needed;
       ++i) {
    RemoveSegment(segments[i]);
  }
}

void ContainerSpool::RemoveSegment(uint64_t segment) {
  const std::string path = SegmentPath(segment);
  std::error_code ignored;  // already gone: nothing to count
  const auto size = std::filesystem::file_size(path, ignored);
  if (std::filesystem::remove(path, ignored) && bytes_ >= 0) bytes_ -= static_cast<int64_t>(size);
}

void ContainerSpool::DropOldest() {
  auto segments = Segments();
  for (size_t i = 0; i + 1 < segments.size() && Bytes() > limits_.quota_bytes; ++i) {
    dropped_ += CountEvents(segments[i]);
    RemoveSegment(segments[i]);
  }
}

uint64_t ContainerSpool::CountEvents(uint64_t segment) const {
  std::ifstream in(SegmentPath(segment), std::ios::binary);
  uint64_t count = 0;
  char prefix[4];
  while (in.read(prefix, 4) &&
         in.seekg(ReadFrameLength(std::string_view(prefix, 4)), std::ios::cur))
    ++count;
  return count;
}

uint64_t ContainerSpool::Bytes() const {
  const int64_t known = bytes_;
  return known >= 0 ? static_cast<uint64_t>(known) : ScanBytes();
}

uint64_t ContainerSpool::ScanBytes() const {
  uint64_t bytes = 0;
  for (uint64_t segment : Segments()) {
    std::error_code ignored;  // a segment deleted meanwhile counts nothing
    const auto size = std::filesystem::file_size(SegmentPath(segment), ignored);
    if (!ignored) bytes += size;
  }
  return bytes;
}

SpoolPosition ContainerSpool::Read(SpoolPosition from, size_t max_entries,
                                   std::vector<LogEntry>& out) const {
  const auto segments = Segments();
  if (segments.empty()) return from;
  if (from.segment < segments.front()) from = {segments.front(), 0};  // deleted meanwhile
  std::string buffer;
  while (out.size() < max_entries) {
    const int fd = ::open(SegmentPath(from.segment).c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) return from;
    buffer.resize(kReadChunk);
    const ssize_t got = ::pread(fd, buffer.data(), buffer.size(), static_cast<off_t>(from.offset));
    ::close(fd);
    size_t used = 0;
    while (got > 0 && out.size() < max_entries && used + 4 <= static_cast<size_t>(got)) {
      const uint32_t length = ReadFrameLength(std::string_view(buffer).substr(used));
      if (length > kReadChunk - 4)
        throw std::runtime_error("corrupt spool frame in " + SegmentPath(from.segment));
      if (used + 4 + length > static_cast<size_t>(got)) break;
      out.push_back(DecodeLogEntry(std::string_view(buffer.data() + used + 4, length)));
      used += 4 + length;
    }
    from.offset += used;
    if (used > 0) continue;
    // Nothing more here: move on when a later segment exists (a closed segment only ends in a
    // torn frame after a crash), else this is the end.
    auto next = std::upper_bound(segments.begin(), segments.end(), from.segment);
    if (next == segments.end()) return from;
    from = {*next, 0};
  }
  return from;
}

SpoolPosition ContainerSpool::Start() const {
  const auto segments = Segments();
  return {segments.empty() ? 1 : segments.front(), 0};
}

void ContainerSpool::WaitForData(std::chrono::milliseconds timeout) {
  std::unique_lock<std::mutex> lock(mutex_);
  const uint64_t seen = appends_;
  appended_.wait_for(lock, timeout, [&] { return appends_ != seen || finished_; });
}

void ContainerSpool::Finish() {
  std::lock_guard<std::mutex> lock(mutex_);
  finished_ = true;
  appended_.notify_all();
}

void ContainerSpool::Resume() {
  std::lock_guard<std::mutex> lock(mutex_);
  finished_ = false;
}

bool ContainerSpool::finished() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return finished_;
}

SpoolPosition ContainerSpool::LoadCursor(const std::string& sink) const {
  std::ifstream in(directory_ + "/cursor." + sink);
  SpoolPosition position;
  if (!(in >> position.segment >> position.offset)) return Start();
  return position;
}

void ContainerSpool::SaveCursor(const std::string& sink, SpoolPosition position) {
  // Rewritten after every shipped batch: a cursor lost with the host only means a resend.
  ReplaceFileAtomically(
      directory_ + "/cursor." + sink,
      std::to_string(position.segment) + ' ' + std::to_string(position.offset) + '\n',
      Durability::kNoFsync);
  std::lock_guard<std::mutex> lock(mutex_);
  DeleteOldSegments();
}

}  // namespace bulkhead::logs
