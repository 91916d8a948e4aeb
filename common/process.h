// Running helper programs (mkfs, blkid, rbd-fuse, losetup, rbd-nbd) without a shell.
//
// Contract: RunProcess() executes argv[0] from PATH with exactly `argv` (no shell, no word
// splitting), captures stdout and stderr, and kills the program when `timeout_seconds` pass.
// RunChecked() throws ProcessError whose text names the command, the exit status and the tail of
// stderr, so a failed step explains itself.
#pragma once

#include <stdexcept>
#include <string>
#include <vector>

namespace bulkhead {

struct ProcessResult {
  int exit_code = -1;  // -1 when killed by a signal or the timeout
  bool timed_out = false;
  std::string out;
  std::string err;
};

class ProcessError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

ProcessResult RunProcess(const std::vector<std::string>& argv, int timeout_seconds = 120);
// Runs and returns stdout; throws ProcessError unless the exit code is 0.
std::string RunChecked(const std::vector<std::string>& argv, int timeout_seconds = 120);
// `output` without trailing newlines and spaces (a device path a tool printed, say).
std::string TrimTrailing(std::string output);
// The command line as one readable string, for messages.
std::string CommandText(const std::vector<std::string>& argv);

}  // namespace bulkhead
