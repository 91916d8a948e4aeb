// SecretVolumeSpec: what a secret or config volume delivers, from its volume options
// (`docker volume create -o` / `--mount volume-opt=`):
//   path=apps/billing/db   the secret's path in the backend (required)
//   kind=secret|config     config volumes refresh by default and do not make a container
//                          "protected" (exec/cp stay allowed); default secret
//   backend=local|rados|vault   default: the plugin's default_backend setting
//   uid=, gid=             numeric owner of the files (default 0)
//   mode=                  octal file mode (default 0400 for secrets, 0444 for config)
//   format=files|env|json  one file per key (default), or one KEY=value file, or one JSON file
//   file=                  the file name for env/json (default secrets.env / secrets.json)
//   refresh=               poll interval ("30s", "5m"; 0 = never); default 30s for config,
//                          0 for secrets
//   wrap=                  Vault only: deliver a single-use wrapping token (file `token`) valid
//                          for this long instead of the secret
//   size=                  tmpfs size (default 4M)
//
// Contract: ParseVolumeSpec() refuses unknown options and bad values with a message naming the
// option and listing what is accepted.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <map>
#include <optional>
#include <string>

namespace bulkhead::secrets {

enum class VolumeKind { kSecret, kConfig };
enum class FileFormat { kFiles, kEnv, kJson };

struct SecretVolumeSpec {
  std::string path;
  VolumeKind kind = VolumeKind::kSecret;
  std::string backend;  // "" = default
  uid_t uid = 0;
  gid_t gid = 0;
  mode_t mode = 0400;
  FileFormat format = FileFormat::kFiles;
  std::string file;
  int64_t refresh_seconds = 0;
  int64_t wrap_seconds = 0;
  uint64_t size_bytes = 4 << 20;
};

// Looks up the spec of a volume the plugin already holds (nullopt: not one of its volumes).
class VolumeSpecs {
 public:
  virtual ~VolumeSpecs() = default;
  virtual std::optional<SecretVolumeSpec> Spec(const std::string& name) = 0;
};

SecretVolumeSpec ParseVolumeSpec(const std::map<std::string, std::string>& options);

// Renders a key set as the files the volume shows; throws std::invalid_argument when the data
// cannot be shown in that format (a key that is not a file name, a multi-line env value, ...).
std::map<std::string, std::string> RenderFiles(const SecretVolumeSpec& spec,
                                               const std::map<std::string, std::string>& data);

}  // namespace bulkhead::secrets
