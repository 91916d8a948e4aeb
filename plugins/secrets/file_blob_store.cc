#include "plugins/secrets/file_blob_store.h"

#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <filesystem>

#include "common/atomic_file.h"
#include "common/errno_text.h"

namespace bulkhead::secrets {
namespace {

constexpr std::string_view kSuffix = ".sealed";
constexpr std::string_view kSlash = "%2F";

std::string Replace(std::string text, std::string_view from, std::string_view to) {
  for (size_t at = text.find(from); at != std::string::npos; at = text.find(from, at + to.size()))
    text.replace(at, from.size(), to);
  return text;
}

}  // namespace

FileBlobStore::FileBlobStore(std::string directory) : directory_(std::move(directory)) {
  std::error_code error;
  std::filesystem::create_directories(directory_, error);
  if (error || ::chmod(directory_.c_str(), 0700) != 0)
    throw std::runtime_error("cannot create secret store directory " + directory_ + ": " +
                             (error ? error.message() : ErrnoText(errno)));
}

std::string FileBlobStore::FilePath(const std::string& name) const {
  return directory_ + "/" + Replace(name, "/", kSlash) + std::string(kSuffix);
}

std::optional<std::string> FileBlobStore::Get(const std::string& name) {
  return ReadFileIfExists(FilePath(name));
}

void FileBlobStore::Put(const std::string& name, const std::string& blob) {
  ReplaceFileAtomically(FilePath(name), blob, Durability::kFsync);
}

bool FileBlobStore::Remove(const std::string& name) {
  if (::unlink(FilePath(name).c_str()) == 0) return true;
  if (errno == ENOENT) return false;
  throw std::runtime_error("cannot remove " + FilePath(name) + ": " + ErrnoText(errno));
}

std::vector<std::string> FileBlobStore::List() {
  std::vector<std::string> names;
  for (const auto& entry : std::filesystem::directory_iterator(directory_)) {
    const std::string file = entry.path().filename().string();
    if (file.size() <= kSuffix.size() || file.substr(file.size() - kSuffix.size()) != kSuffix)
      continue;
    names.push_back(Replace(file.substr(0, file.size() - kSuffix.size()), kSlash, "/"));
  }
  std::sort(names.begin(), names.end());
  return names;
}

}  // namespace bulkhead::secrets
