// Small state and key files: replacing one so that a crash leaves either the old or the new
// contents, and reading one whole.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace bulkhead {

enum class Durability {
  kFsync,    // survives a host crash: the contents are on disk before the rename
  kNoFsync,  // survives a process crash only (page cache); for files rewritten very often
};

// Writes `contents` to `path`.tmp (mode 0600) and renames it over `path`. Throws
// std::runtime_error naming the path.
void ReplaceFileAtomically(const std::string& path, std::string_view contents,
                           Durability durability);

// The whole contents of `path`; nullopt when it does not exist. Throws std::runtime_error naming
// the path for any other failure.
std::optional<std::string> ReadFileIfExists(const std::string& path);

}  // namespace bulkhead
