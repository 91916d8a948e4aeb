// FileFollower: ships the files an app writes into a log volume's directory, as `tail -F` would:
// every regular file under the directory, each line an event whose stream is the file's path
// relative to the directory.
//
// Contract: files are tracked by inode, so a rotated file (renamed, a new one created in its
// place) is read to its end before it is let go, and a truncated file starts again at 0. A line
// is appended to the spool once complete; data without a newline is shipped in 16 KiB pieces (for
// binary logs) and, when following stops, whatever is left. Each spool append carries a marker
// per file (inode and offset), so a restarted plugin resumes every file exactly where the spool
// ends. Event times are the time the line was read.
#pragma once

#include <sys/types.h>

#include <atomic>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "plugins/logs/metrics.h"
#include "plugins/logs/spool.h"

namespace bulkhead::logs {

class FileFollower {
 public:
  FileFollower(std::string directory, std::shared_ptr<ContainerSpool> spool, LogMetrics& metrics);
  ~FileFollower();
  FileFollower(const FileFollower&) = delete;
  FileFollower& operator=(const FileFollower&) = delete;

  // Follows until `stop` (then reads every file to its end and returns true) or `abandon`
  // (returns false at once, leaving the rest for a restart).
  bool Run(const std::atomic<bool>& stop, const std::atomic<bool>& abandon);

 private:
  struct TrackedFile {
    int fd = -1;
    std::string name;  // relative path, the events' stream
    uint64_t offset = 0;
    std::string partial;  // bytes read past the last newline
    bool seen = false;    // present in the latest directory scan
  };

  void Scan();
  // Reads what `file` gained into `events`; returns whether anything was read.
  bool ReadNew(TrackedFile& file, bool final, std::vector<LogEntry>& events);
  void Poll(bool final);

  std::string directory_;
  std::shared_ptr<ContainerSpool> spool_;
  LogMetrics& metrics_;
  std::map<ino_t, TrackedFile> files_;
};

}  // namespace bulkhead::logs
