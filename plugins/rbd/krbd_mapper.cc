// Kernel RBD mapping through `rbd device map` (which writes /sys/bus/rbd/add_single_major).
#include <nlohmann/json.hpp>

#include "common/process.h"
#include "plugins/rbd/mapper.h"

namespace bulkhead::rbd {
namespace {

class KrbdMapper : public Mapper {
 public:
  explicit KrbdMapper(CephToolArgs ceph) : ceph_(std::move(ceph)) {}
  const char* name() const override { return "krbd"; }

  std::string Map(const ImageRef& image, bool read_only) override {
    if (std::string device = FindMapped(image); !device.empty()) return device;
    std::vector<std::string> argv = {"rbd", "device", "map", "--device-type", "krbd"};
    argv.insert(argv.end(), ceph_.args.begin(), ceph_.args.end());
    if (read_only) argv.push_back("--read-only");
    argv.push_back(image.Spec());
    return TrimTrailing(RunChecked(argv));
  }

  void Unmap(const ImageRef& image, const std::string& device) override {
    if (FindMapped(image).empty()) return;
    RunChecked({"rbd", "device", "unmap", "--device-type", "krbd", device});
  }

  std::string FindMapped(const ImageRef& image) override {
    const auto mapped = nlohmann::json::parse(
        RunChecked({"rbd", "device", "list", "--device-type", "krbd", "--format", "json"}));
    for (const auto& entry : mapped) {
      if (entry.value("pool", "") == image.pool &&
          entry.value("namespace", "") == image.rados_namespace &&
          entry.value("name", "") == image.name && entry.value("snap", "-") == "-") {
        return entry.value("device", "");
      }
    }
    return "";
  }

 private:
  CephToolArgs ceph_;
};

}  // namespace

std::unique_ptr<Mapper> MakeKrbdMapper(const CephToolArgs& ceph) {
  return std::make_unique<KrbdMapper>(ceph);
}

}  // namespace bulkhead::rbd
