#include "plugins/logs/file_follower.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <thread>

namespace bulkhead::logs {
namespace {

constexpr size_t kPiece =
    size_t{16} * 1024;  // data without a newline is shipped in pieces this big
constexpr size_t kReadChunk = size_t{1} << 20;

std::string MarkerKey(ino_t inode) { return "file." + std::to_string(inode); }

// An event of file `stream`, timed when it was read (files carry no daemon timestamp).
LogEntry FileEvent(const std::string& stream, std::string line) {
  LogEntry event;
  event.source = stream;
  event.time_nano = std::chrono::duration_cast<std::chrono::nanoseconds>(
                        std::chrono::system_clock::now().time_since_epoch())
                        .count();
  event.line = std::move(line);
  return event;
}

}  // namespace

FileFollower::FileFollower(std::string directory, std::shared_ptr<ContainerSpool> spool,
                           LogMetrics& metrics)
    : directory_(std::move(directory)), spool_(std::move(spool)), metrics_(metrics) {}

FileFollower::~FileFollower() {
  for (auto& [inode, file] : files_) ::close(file.fd);
}

bool FileFollower::Run(const std::atomic<bool>& stop, const std::atomic<bool>& abandon) {
  while (!stop) {
    if (abandon) return false;
    Poll(false);
    std::this_thread::sleep_for(std::chrono::milliseconds(250));
  }
  Poll(true);
  return true;
}

void FileFollower::Scan() {
  for (auto& [inode, file] : files_) file.seen = false;
  std::error_code error;
  for (auto it = std::filesystem::recursive_directory_iterator(directory_, error);
       !error && it != std::filesystem::recursive_directory_iterator(); it.increment(error)) {
    if (!it->is_regular_file(error)) continue;
    struct stat info {};
    if (::stat(it->path().c_str(), &info) != 0) continue;
    auto [entry, added] = files_.try_emplace(info.st_ino);
    TrackedFile& file = entry->second;
    file.seen = true;
    if (!added) continue;
    file.fd = ::open(it->path().c_str(), O_RDONLY | O_CLOEXEC);
    file.name = std::filesystem::relative(it->path(), directory_).string();
    file.offset = spool_->FindMarker(MarkerKey(info.st_ino)).value_or(0);
  }
}

void FileFollower::Poll(bool final) {
  Scan();
  for (auto it = files_.begin(); it != files_.end();) {
    TrackedFile& file = it->second;
    std::vector<LogEntry> events;
    const bool grew = file.fd >= 0 && ReadNew(file, final, events);
    spool_->Append(events, MarkerKey(it->first), file.offset);
    if (!file.seen && !grew) {  // rotated away (or deleted) and read to its end
      ::close(file.fd);
      it = files_.erase(it);
    } else {
      ++it;
    }
  }
}

bool FileFollower::ReadNew(TrackedFile& file, bool final, std::vector<LogEntry>& events) {
  struct stat info {};
  if (::fstat(file.fd, &info) == 0 &&
      static_cast<uint64_t>(info.st_size) < file.offset + file.partial.size()) {
    file.offset = 0;  // truncated (copytruncate rotation): start again
    file.partial.clear();
  }
  std::string buffer(kReadChunk, '\0');
  bool grew = false;
  while (true) {
    const ssize_t got = ::pread(file.fd, buffer.data(), buffer.size(),
                                static_cast<off_t>(file.offset + file.partial.size()));
    if (got <= 0) break;
    grew = true;
    file.partial.append(buffer.data(), static_cast<size_t>(got));
    size_t start = 0;
    for (size_t newline; (newline = file.partial.find('\n', start)) != std::string::npos;
         start = newline + 1) {
      events.push_back(FileEvent(file.name, file.partial.substr(start, newline - start)));
    }
    while (file.partial.size() - start >= kPiece) {  // binary data: ship it in pieces
      events.push_back(FileEvent(file.name, file.partial.substr(start, kPiece)));
      start += kPiece;
    }
    file.offset += start;
    file.partial.erase(0, start);
  }
  if (final && !file.partial.empty()) {
    events.push_back(FileEvent(file.name, file.partial));
    file.offset += file.partial.size();
    file.partial.clear();
  }
  metrics_.lines_in += events.size();
  for (const auto& event : events) metrics_.bytes_in += event.line.size();
  return grew;
}

}  // namespace bulkhead::logs
