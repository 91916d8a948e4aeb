#include "plugins/rbd/block_device.h"

#include <fcntl.h>
#include <sys/mount.h>
#include <unistd.h>

#include <cerrno>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <vector>

#include "common/errno_text.h"
#include "common/process.h"

namespace bulkhead::rbd {
namespace {

std::vector<std::string> SplitWords(const std::string& text) {
  std::vector<std::string> words;
  std::istringstream stream(text);
  std::string word;
  while (stream >> word) words.push_back(word);
  return words;
}

// Undoes the octal escapes (\040 for space) of /proc/self/mountinfo paths.
std::string Unescape(const std::string& field) {
  std::string out;
  for (size_t i = 0; i < field.size(); ++i) {
    if (field[i] == '\\' && i + 3 < field.size()) {
      out += static_cast<char>(std::stoi(field.substr(i + 1, 3), nullptr, 8));
      i += 3;
    } else {
      out += field[i];
    }
  }
  return out;
}

}  // namespace

std::string ProbeFilesystem(const std::string& device) {
  const ProcessResult result = RunProcess({"blkid", "-p", "-o", "value", "-s", "TYPE", device}, 60);
  if (result.exit_code == 0) return TrimTrailing(result.out);
  if (result.exit_code == 2) return "";  // blkid: nothing found
  throw std::runtime_error("probing " + device +
                           " for a filesystem failed: " + TrimTrailing(result.err));
}

void MakeFilesystem(const std::string& device, const std::string& fstype,
                    const std::string& mkfs_options) {
  std::vector<std::string> argv = {"mkfs." + fstype, "-q"};
  for (auto& word : SplitWords(mkfs_options)) argv.push_back(std::move(word));
  argv.push_back(device);
  RunChecked(argv, 600);
}

void CheckFilesystem(const std::string& device, const std::string& fstype) {
  if (fstype != "ext4") return;  // xfs checks its log at mount time
  const ProcessResult result = RunProcess({"e2fsck", "-p", device}, 600);
  // 0: clean, 1: errors corrected. Anything else needs an operator.
  if (result.exit_code != 0 && result.exit_code != 1) {
    throw std::runtime_error("filesystem on " + device + " needs repair (e2fsck -p exit " +
                             std::to_string(result.exit_code) +
                             "): " + TrimTrailing(result.out + result.err));
  }
}

void MountFilesystem(const std::string& device, const std::string& target,
                     const std::string& fstype, const std::string& mount_options, bool read_only) {
  std::filesystem::create_directories(target);
  std::string options = mount_options;
  if (read_only) options = options.empty() ? "ro" : options + ",ro";
  std::vector<std::string> argv = {"mount", "-t", fstype};
  if (!options.empty()) argv.insert(argv.end(), {"-o", options});
  argv.insert(argv.end(), {device, target});
  RunChecked(argv, 120);
}

void UnmountFilesystem(const std::string& target) {
  if (MountedDevice(target).empty()) return;
  const int fd = ::open(target.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd >= 0) {
    ::syncfs(fd);
    ::close(fd);
  }
  if (::umount2(target.c_str(), 0) != 0) {
    const int error = errno;
    if (error == EINVAL || error == ENOENT) return;  // not mounted (any more)
    throw std::runtime_error("unmounting " + target + ": " + ErrnoText(error) +
                             (error == EBUSY ? " (still in use by a process)" : ""));
  }
}

bool GrowsUnmounted(const std::string& fstype) { return fstype != "xfs"; }

void GrowFilesystem(const std::string& device, const std::string& target,
                    const std::string& fstype) {
  if (!GrowsUnmounted(fstype)) {
    RunChecked({"xfs_growfs", target}, 600);
    return;
  }
  RunChecked({"e2fsck", "-f", "-p", device}, 600);  // resize2fs insists on a fresh check
  RunChecked({"resize2fs", device}, 600);
}

std::vector<MountEntry> MountTable() {
  std::ifstream mountinfo("/proc/self/mountinfo");
  std::vector<MountEntry> table;
  std::string line;
  while (std::getline(mountinfo, line)) {
    const auto words = SplitWords(line);
    // id parent major:minor root mountpoint options [optional...] - fstype source superopts
    if (words.size() < 10) continue;
    for (size_t i = 6; i + 2 < words.size(); ++i) {
      if (words[i] == "-") {
        table.push_back({Unescape(words[4]), Unescape(words[i + 2]), words[i + 1]});
        break;
      }
    }
  }
  return table;
}

std::string MountedDevice(const std::string& target) {
  std::string device;
  for (const MountEntry& entry : MountTable()) {
    if (entry.target == target) device = entry.device;  // the last mount is the visible one
  }
  return device;
}

std::string LoopBackingFile(const std::string& device) {
  const std::string prefix = "/dev/";
  if (device.rfind(prefix + "loop", 0) != 0) return "";
  std::ifstream file("/sys/block/" + device.substr(prefix.size()) + "/loop/backing_file");
  std::string path;
  std::getline(file, path);
  return path;
}

}  // namespace bulkhead::rbd
