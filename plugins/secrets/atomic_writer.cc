#include "plugins/secrets/atomic_writer.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <stdexcept>
#include <vector>

#include "common/errno_text.h"

namespace bulkhead::secrets {
namespace {

constexpr const char* kData = "..data";
constexpr const char* kDataTmp = "..data_tmp";
constexpr const char* kVersionFile = ".version";

[[noreturn]] void Fail(const std::string& what) {
  throw std::runtime_error(what + ": " + ErrnoText(errno));
}

void CheckName(const std::string& name) {
  if (name.empty() || name[0] == '.' || name.find('/') != std::string::npos || name.size() > 255)
    throw std::invalid_argument("secret file name \"" + name + "\" is not a plain file name");
}

std::string ReadLink(int directory_fd, const char* name) {
  char target[512];
  const ssize_t length = ::readlinkat(directory_fd, name, target, sizeof(target) - 1);
  return length < 0 ? "" : std::string(target, static_cast<size_t>(length));
}

// Entry names of the directory open at `fd` (without "." and "..").
std::vector<std::string> Entries(int fd) {
  std::vector<std::string> names;
  const int copy = ::dup(fd);
  DIR* directory = copy < 0 ? nullptr : ::fdopendir(copy);
  if (directory == nullptr) Fail("listing a secret directory");
  ::rewinddir(directory);
  // NOLINTNEXTLINE(concurrency-mt-unsafe): the DIR stream is private to this call
  while (const dirent* entry = ::readdir(directory)) {
    const std::string name = entry->d_name;
    if (name != "." && name != "..") names.push_back(name);
  }
  ::closedir(directory);
  return names;
}

}  // namespace

AtomicWriter::AtomicWriter(const std::string& root) : root_(root) {
  root_fd_ = ::open(root.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  if (root_fd_ < 0) Fail("opening secret directory " + root);
}

AtomicWriter::~AtomicWriter() {
  if (root_fd_ >= 0) ::close(root_fd_);
}

std::string AtomicWriter::CurrentVersion() const {
  const std::string target = ReadLink(root_fd_, kData);
  return target.rfind("..", 0) == 0 ? target.substr(2) : "";
}

void AtomicWriter::WriteFile(int directory_fd, const std::string& name, const std::string& content,
                             const FileOwnership& ownership) const {
  const int fd = ::openat(directory_fd, name.c_str(),
                          O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0000);
  if (fd < 0) Fail("creating secret file " + name + " in " + root_);
  const bool written =
      ::fchown(fd, ownership.uid, ownership.gid) == 0 && ::fchmod(fd, ownership.mode) == 0 &&
      ::write(fd, content.data(), content.size()) == static_cast<ssize_t>(content.size()) &&
      ::fsync(fd) == 0;
  const int error = errno;
  ::close(fd);
  if (!written) {
    errno = error;
    Fail("writing secret file " + name + " in " + root_);
  }
}

void AtomicWriter::Publish(const std::string& version,
                           const std::map<std::string, std::string>& files,
                           const FileOwnership& ownership) {
  for (const auto& [name, content] : files) CheckName(name);
  if (version.empty() || version.find('/') != std::string::npos)
    throw std::invalid_argument("bad secret version \"" + version + "\"");
  const std::string directory = ".." + version;
  const std::string previous = ReadLink(root_fd_, kData);
  if (directory == previous) return;  // already published
  if (::mkdirat(root_fd_, directory.c_str(), 0750) != 0)
    Fail("creating " + root_ + "/" + directory);
  const int directory_fd =
      ::openat(root_fd_, directory.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  if (directory_fd < 0) Fail("opening " + root_ + "/" + directory);
  try {
    for (const auto& [name, content] : files) WriteFile(directory_fd, name, content, ownership);
  } catch (...) {
    ::close(directory_fd);
    RemoveVersion(directory);
    throw;
  }
  WriteFile(directory_fd, kVersionFile, version + "\n", {ownership.uid, ownership.gid, 0444});
  ::fchown(directory_fd, ownership.uid, ownership.gid);
  ::close(directory_fd);
  ::unlinkat(root_fd_, kDataTmp, 0);
  if (::symlinkat(directory.c_str(), root_fd_, kDataTmp) != 0 ||
      ::renameat(root_fd_, kDataTmp, root_fd_, kData) != 0)
    Fail("switching " + root_ + "/..data to " + directory);
  std::vector<std::string> visible{kVersionFile};
  for (const auto& [name, content] : files) visible.push_back(name);
  for (const std::string& name : visible) {
    if (ReadLink(root_fd_, name.c_str()) == std::string(kData) + "/" + name) continue;
    const std::string link = ".." + name + ".link";  // hidden while it is being made
    ::unlinkat(root_fd_, link.c_str(), 0);
    if (::symlinkat((std::string(kData) + "/" + name).c_str(), root_fd_, link.c_str()) != 0 ||
        ::renameat(root_fd_, link.c_str(), root_fd_, name.c_str()) != 0)
      Fail("linking " + root_ + "/" + name);
  }
  for (const std::string& entry : Entries(root_fd_)) {
    if (entry[0] != '.' && files.count(entry) == 0) ::unlinkat(root_fd_, entry.c_str(), 0);
  }
  // Keep the previous version for readers that opened it just before the switch; prune older.
  for (const std::string& entry : Entries(root_fd_)) {
    struct stat info {};
    const bool version = entry.rfind("..", 0) == 0 && entry != kData && entry != directory &&
                         entry != previous &&
                         ::fstatat(root_fd_, entry.c_str(), &info, AT_SYMLINK_NOFOLLOW) == 0 &&
                         S_ISDIR(info.st_mode);
    if (version) RemoveVersion(entry);
  }
}

void AtomicWriter::RemoveVersion(const std::string& directory) const {
  const int fd =
      ::openat(root_fd_, directory.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  if (fd < 0) return;
  for (const std::string& entry : Entries(fd)) ::unlinkat(fd, entry.c_str(), 0);
  ::close(fd);
  ::unlinkat(root_fd_, directory.c_str(), AT_REMOVEDIR);
}

}  // namespace bulkhead::secrets
