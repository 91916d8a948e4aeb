#include "common/process.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>

#include "common/errno_text.h"

extern char** environ;  // NOLINT(readability-redundant-declaration): POSIX, not in a header

namespace bulkhead {
namespace {

constexpr size_t kStderrTail = 600;

struct Pipe {
  int read_end = -1;
  int write_end = -1;
  Pipe() {
    int fds[2];
    if (::pipe2(fds, O_CLOEXEC) != 0) throw ProcessError(std::string("pipe: ") + ErrnoText(errno));
    read_end = fds[0];
    write_end = fds[1];
  }
  ~Pipe() {
    if (read_end >= 0) ::close(read_end);
    if (write_end >= 0) ::close(write_end);
  }
  Pipe(const Pipe&) = delete;
  Pipe& operator=(const Pipe&) = delete;
};

// Reads both pipes until EOF or the deadline; returns false on timeout.
bool Drain(Pipe& out, Pipe& err, ProcessResult& result,
           std::chrono::steady_clock::time_point deadline) {
  pollfd fds[2] = {{out.read_end, POLLIN, 0}, {err.read_end, POLLIN, 0}};
  std::string* sinks[2] = {&result.out, &result.err};
  int open_count = 2;
  char buffer[8192];
  while (open_count > 0) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) return false;
    const int ready = ::poll(fds, 2, static_cast<int>(left.count()));
    if (ready < 0 && errno == EINTR) continue;
    if (ready <= 0) return ready == 0 ? false : true;
    for (int i = 0; i < 2; ++i) {
      if (fds[i].fd < 0 || fds[i].revents == 0) continue;
      const ssize_t got = ::read(fds[i].fd, buffer, sizeof(buffer));
      if (got > 0) {
        sinks[i]->append(buffer, static_cast<size_t>(got));
      } else if (got == 0 || errno != EINTR) {
        fds[i].fd = -1;
        --open_count;
      }
    }
  }
  return true;
}

}  // namespace

std::string TrimTrailing(std::string output) {
  while (!output.empty() && (output.back() == '\n' || output.back() == ' ')) output.pop_back();
  return output;
}

std::string CommandText(const std::vector<std::string>& argv) {
  std::string text;
  for (const auto& arg : argv) text += (text.empty() ? "" : " ") + arg;
  return text;
}

ProcessResult RunProcess(const std::vector<std::string>& argv, int timeout_seconds) {
  if (argv.empty()) throw ProcessError("RunProcess: empty command");
  Pipe out;
  Pipe err;
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_adddup2(&actions, out.write_end, STDOUT_FILENO);
  posix_spawn_file_actions_adddup2(&actions, err.write_end, STDERR_FILENO);
  std::vector<char*> args;
  args.reserve(argv.size() + 1);
  for (const auto& arg : argv) args.push_back(const_cast<char*>(arg.c_str()));
  args.push_back(nullptr);
  pid_t pid = 0;
  const int spawn_error = ::posix_spawnp(&pid, args[0], &actions, nullptr, args.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  if (spawn_error != 0) {
    throw ProcessError(CommandText(argv) + ": cannot start: " + ErrnoText(spawn_error));
  }
  ::close(out.write_end);
  out.write_end = -1;
  ::close(err.write_end);
  err.write_end = -1;

  ProcessResult result;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(timeout_seconds);
  if (!Drain(out, err, result, deadline)) {
    result.timed_out = true;
    ::kill(pid, SIGKILL);
  }
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  if (!result.timed_out && WIFEXITED(status)) result.exit_code = WEXITSTATUS(status);
  return result;
}

std::string RunChecked(const std::vector<std::string>& argv, int timeout_seconds) {
  ProcessResult result = RunProcess(argv, timeout_seconds);
  if (result.exit_code == 0) return result.out;
  std::string detail = TrimTrailing(result.err.empty() ? result.out : result.err);
  if (detail.size() > kStderrTail) detail = "..." + detail.substr(detail.size() - kStderrTail);
  const std::string status = result.timed_out
                                 ? "timed out after " + std::to_string(timeout_seconds) + "s"
                                 : "exit status " + std::to_string(result.exit_code);
  throw ProcessError(CommandText(argv) + " failed (" + status + ")" +
                     (detail.empty() ? "" : ": " + detail));
}

}  // namespace bulkhead
