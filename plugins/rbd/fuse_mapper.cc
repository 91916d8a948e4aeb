// Userspace mapping for kernels with neither rbd nor nbd: rbd-fuse exposes one image as a file
// (`rbd-fuse -r IMAGE`, one process per image; whole-pool mode hangs), and a loop device turns
// that file into a block device. The fuse process lives as long as the plugin's container.
#include <filesystem>
#include <stdexcept>

#include "common/process.h"
#include "plugins/rbd/block_device.h"
#include "plugins/rbd/mapper.h"

namespace bulkhead::rbd {
namespace {

class FuseMapper : public Mapper {
 public:
  FuseMapper(CephToolArgs ceph, std::string state_dir)
      : ceph_(std::move(ceph)), fuse_root_(std::move(state_dir) + "/fuse") {}
  const char* name() const override { return "fuse"; }

  std::string Map(const ImageRef& image, bool read_only) override {
    if (!image.rados_namespace.empty()) {
      throw std::runtime_error("the fuse mapper cannot map images in RADOS namespaces (" +
                               image.Spec() + "); use krbd or nbd");
    }
    if (std::string device = FindMapped(image); !device.empty()) return device;
    const std::string directory = FuseDirectory(image);
    if (MountedDevice(directory).empty()) {
      std::filesystem::create_directories(directory);
      std::vector<std::string> argv = {"rbd-fuse"};
      argv.insert(argv.end(), ceph_.args.begin(), ceph_.args.end());
      argv.insert(argv.end(), {"-p", image.pool, "-r", image.name, directory});
      RunChecked(argv, 60);  // returns once mounted: rbd-fuse daemonizes after mounting
    }
    std::vector<std::string> argv = {"losetup", "--find", "--show", "--direct-io=on"};
    if (read_only) argv.push_back("--read-only");
    argv.push_back(ImageFile(image));
    try {
      return TrimTrailing(RunChecked(argv, 60));
    } catch (...) {
      ReleaseFuse(directory);
      throw;
    }
  }

  // `device` may come from before a crash: its rbd-fuse died with the old plugin, but the loop
  // device stays attached to the dead file until detached.
  void Unmap(const ImageRef& image, const std::string& device) override {
    if (LoopBacksImage(device, image)) RunChecked({"losetup", "--detach", device}, 60);
    ReleaseFuse(FuseDirectory(image));
  }

  std::string FindMapped(const ImageRef& image) override {
    if (MountedDevice(FuseDirectory(image)).empty()) return "";
    // "/dev/loop0: []: (/path/to/file)", one line per loop device backed by the file.
    const std::string listing = RunChecked({"losetup", "--associated", ImageFile(image)}, 60);
    const size_t colon = listing.find(':');
    return colon == std::string::npos ? "" : listing.substr(0, colon);
  }

 private:
  std::string FuseDirectory(const ImageRef& image) const {
    return fuse_root_ + "/" + image.pool + "/" + image.name;
  }
  std::string ImageFile(const ImageRef& image) const {
    return FuseDirectory(image) + "/" + image.name;
  }

  // Whether loop `device` is attached to this image's file (checked before detaching a device
  // number recorded earlier, which may since have been reused).
  static bool LoopBacksImage(const std::string& device, const ImageRef& image) {
    std::string file = LoopBackingFile(device);
    const std::string deleted = " (deleted)";
    if (file.size() > deleted.size() &&
        file.compare(file.size() - deleted.size(), deleted.size(), deleted) == 0)
      file.resize(file.size() - deleted.size());
    const std::string suffix = "/" + image.name;
    return file.size() >= suffix.size() &&
           file.compare(file.size() - suffix.size(), suffix.size(), suffix) == 0;
  }

  static void ReleaseFuse(const std::string& directory) {
    UnmountFilesystem(directory);  // rbd-fuse exits once its mount is gone
  }

  CephToolArgs ceph_;
  std::string fuse_root_;
};

}  // namespace

std::unique_ptr<Mapper> MakeFuseMapper(const CephToolArgs& ceph, const std::string& state_dir) {
  return std::make_unique<FuseMapper>(ceph, state_dir);
}

}  // namespace bulkhead::rbd
