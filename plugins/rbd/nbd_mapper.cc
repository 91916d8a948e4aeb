// Userspace mapping through rbd-nbd (librbd in a daemon, served over the nbd kernel module).
#include <nlohmann/json.hpp>

#include "common/process.h"
#include "plugins/rbd/mapper.h"

namespace bulkhead::rbd {
namespace {

class NbdMapper : public Mapper {
 public:
  explicit NbdMapper(CephToolArgs ceph) : ceph_(std::move(ceph)) {}
  const char* name() const override { return "nbd"; }

  std::string Map(const ImageRef& image, bool read_only) override {
    if (std::string device = FindMapped(image); !device.empty()) return device;
    std::vector<std::string> argv = {"rbd-nbd", "map"};
    argv.insert(argv.end(), ceph_.args.begin(), ceph_.args.end());
    if (read_only) argv.push_back("--read-only");
    argv.push_back(image.Spec());
    return TrimTrailing(RunChecked(argv));
  }

  void Unmap(const ImageRef& image, const std::string& device) override {
    if (FindMapped(image).empty()) return;
    RunChecked({"rbd-nbd", "unmap", device});
  }

  std::string FindMapped(const ImageRef& image) override {
    const auto mapped =
        nlohmann::json::parse(RunChecked({"rbd-nbd", "list-mapped", "--format", "json"}));
    for (const auto& entry : mapped) {
      if (entry.value("pool", "") == image.pool &&
          entry.value("namespace", "") == image.rados_namespace &&
          entry.value("image", "") == image.name && entry.value("snap", "-") == "-") {
        return entry.value("device", "");
      }
    }
    return "";
  }

 private:
  CephToolArgs ceph_;
};

}  // namespace

std::unique_ptr<Mapper> MakeNbdMapper(const CephToolArgs& ceph) {
  return std::make_unique<NbdMapper>(ceph);
}

}  // namespace bulkhead::rbd
