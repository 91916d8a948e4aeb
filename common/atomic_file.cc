#include "common/atomic_file.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <stdexcept>

#include "common/errno_text.h"

namespace bulkhead {

void ReplaceFileAtomically(const std::string& path, std::string_view contents,
                           Durability durability) {
  const std::string temporary = path + ".tmp";
  const int fd = ::open(temporary.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) throw std::runtime_error("writing " + temporary + ": " + ErrnoText(errno));
  const bool written =
      ::write(fd, contents.data(), contents.size()) == static_cast<ssize_t>(contents.size()) &&
      (durability == Durability::kNoFsync || ::fsync(fd) == 0);
  const int error = errno;
  ::close(fd);
  if (!written || std::rename(temporary.c_str(), path.c_str()) != 0)
    throw std::runtime_error("writing " + path + ": " + ErrnoText(written ? errno : error));
}

std::optional<std::string> ReadFileIfExists(const std::string& path) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    if (errno == ENOENT) return std::nullopt;
    throw std::runtime_error("reading " + path + ": " + ErrnoText(errno));
  }
  std::string contents;
  char buffer[65536];
  ssize_t got = 0;
  while ((got = ::read(fd, buffer, sizeof(buffer))) > 0)
    contents.append(buffer, static_cast<size_t>(got));
  const int error = errno;
  ::close(fd);
  if (got < 0) throw std::runtime_error("reading " + path + ": " + ErrnoText(error));
  return contents;
}

}  // namespace bulkhead
