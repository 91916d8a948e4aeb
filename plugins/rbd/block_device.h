// Filesystem steps on a mapped block device: probe, mkfs, mount, unmount, grow.
//
// Contract: ProbeFilesystem() never writes; MakeFilesystem() is only called by the driver after a
// probe found nothing (a volume is never reformatted). Unmount syncs first and is idempotent (a
// path that is not mounted is success); a busy filesystem is an error naming the path.
#pragma once

#include <string>
#include <vector>

namespace bulkhead::rbd {

// The filesystem type on `device` ("ext4", "xfs", ...), or "" when it holds none.
std::string ProbeFilesystem(const std::string& device);
void MakeFilesystem(const std::string& device, const std::string& fstype,
                    const std::string& mkfs_options);
// Checks and repairs what is safe to repair before mounting (e2fsck -p); throws on real damage.
void CheckFilesystem(const std::string& device, const std::string& fstype);
void MountFilesystem(const std::string& device, const std::string& target,
                     const std::string& fstype, const std::string& mount_options, bool read_only);
void UnmountFilesystem(const std::string& target);
// Whether `fstype` grows before mounting (ext4: fsck + resize2fs offline) or after (xfs_growfs).
bool GrowsUnmounted(const std::string& fstype);
// Grows the filesystem on `device` (unmounted, for ext4) or mounted at `target` (xfs) to the
// device's size.
void GrowFilesystem(const std::string& device, const std::string& target,
                    const std::string& fstype);
struct MountEntry {
  std::string target;
  std::string device;
  std::string fstype;
};
// This process's mounts, from /proc/self/mountinfo, in mount order.
std::vector<MountEntry> MountTable();
// The device mounted at `target`; "" when nothing is.
std::string MountedDevice(const std::string& target);
// The file behind loop device `device` as the kernel reports it ("" for a free or non-loop
// device); the kernel may append " (deleted)" or print a path from another mount namespace.
std::string LoopBackingFile(const std::string& device);

}  // namespace bulkhead::rbd
