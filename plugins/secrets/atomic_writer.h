// AtomicWriter: publishes a set of files (one per secret key) into a directory so that readers
// never see half a set: the Kubernetes atomic-writer layout, with keysync's careful file
// creation.
//
// Contract: Publish() writes every file into a fresh hidden directory `..<version>` (created
// 0000 with O_EXCL|O_NOFOLLOW, then fchown, fchmod, write, fsync), points a `..data_tmp` symlink at
// it and renames that over `..data` (one atomic step), makes each visible name a symlink
// `name -> ..data/name`, removes names no longer published, and prunes every version older than
// the previous one (kept so a reader that opened it just before the switch can finish). Every
// version also holds `.version` (mode 0444: the version string and a newline), visible as
// `.version -> ..data/.version`, so an application can tell which set it has.
// Everything happens relative to an fd of the root directory, never following symlinks found
// there, so content planted in the directory cannot redirect a write. Names must be plain file
// names (no '/', not starting with '.'); anything else is a std::invalid_argument. Not
// thread-safe: one writer per directory.
#pragma once

#include <sys/types.h>

#include <map>
#include <string>

namespace bulkhead::secrets {

struct FileOwnership {
  uid_t uid = 0;
  gid_t gid = 0;
  mode_t mode = 0400;
};

class AtomicWriter {
 public:
  // `root` must exist (a tmpfs in production).
  explicit AtomicWriter(const std::string& root);
  ~AtomicWriter();
  AtomicWriter(const AtomicWriter&) = delete;
  AtomicWriter& operator=(const AtomicWriter&) = delete;

  // Publishes `files` (name -> content) as version `version` (e.g. "2026-11-25T10:00:00Z.3").
  void Publish(const std::string& version, const std::map<std::string, std::string>& files,
               const FileOwnership& ownership);
  // The version `..data` points at, "" before the first Publish().
  std::string CurrentVersion() const;

 private:
  void WriteFile(int directory_fd, const std::string& name, const std::string& content,
                 const FileOwnership& ownership) const;
  void RemoveVersion(const std::string& directory) const;

  std::string root_;
  int root_fd_ = -1;
};

}  // namespace bulkhead::secrets
