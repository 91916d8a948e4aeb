// Kernel-backed mappings driven by their command-line tools: krbd through `rbd device` (which
// writes /sys/bus/rbd/add_single_major) and nbd through `rbd-nbd` (librbd in a daemon, served over
// the nbd module). Both print the device on map and list their mappings as JSON.
#include <nlohmann/json.hpp>

#include "common/process.h"
#include "plugins/rbd/mapper.h"

namespace bulkhead::rbd {
namespace {

struct MapperCommands {
  const char* name;
  std::vector<std::string> map;    // + ceph args, [--read-only], spec
  std::vector<std::string> unmap;  // + device
  std::vector<std::string> list;   // prints a JSON array of mappings
  const char* image_field;         // the image name's key in a listed mapping
};

class CliMapper : public Mapper {
 public:
  CliMapper(MapperCommands commands, CephToolArgs ceph)
      : commands_(std::move(commands)), ceph_(std::move(ceph)) {}
  const char* name() const override { return commands_.name; }

  std::string Map(const ImageRef& image, bool read_only) override {
    if (std::string device = FindMapped(image); !device.empty()) return device;
    std::vector<std::string> argv = commands_.map;
    argv.insert(argv.end(), ceph_.args.begin(), ceph_.args.end());
    if (read_only) argv.push_back("--read-only");
    argv.push_back(image.Spec());
    return TrimTrailing(RunChecked(argv));
  }

  void Unmap(const ImageRef& image, const std::string& /*device*/) override {
    const std::string mapped = FindMapped(image);  // never trust a recorded device number
    if (mapped.empty()) return;
    std::vector<std::string> argv = commands_.unmap;
    argv.push_back(mapped);
    RunChecked(argv);
  }

  std::string FindMapped(const ImageRef& image) override {
    for (const auto& entry : nlohmann::json::parse(RunChecked(commands_.list))) {
      if (entry.value("pool", "") == image.pool &&
          entry.value("namespace", "") == image.rados_namespace &&
          entry.value(commands_.image_field, "") == image.name && entry.value("snap", "-") == "-") {
        return entry.value("device", "");
      }
    }
    return "";
  }

 private:
  MapperCommands commands_;
  CephToolArgs ceph_;
};

}  // namespace

std::unique_ptr<Mapper> MakeKrbdMapper(const CephToolArgs& ceph) {
  return std::make_unique<CliMapper>(
      MapperCommands{"krbd",
                     {"rbd", "device", "map", "--device-type", "krbd"},
                     {"rbd", "device", "unmap", "--device-type", "krbd"},
                     {"rbd", "device", "list", "--device-type", "krbd", "--format", "json"},
                     "name"},
      ceph);
}

std::unique_ptr<Mapper> MakeNbdMapper(const CephToolArgs& ceph) {
  return std::make_unique<CliMapper>(MapperCommands{"nbd",
                                                    {"rbd-nbd", "map"},
                                                    {"rbd-nbd", "unmap"},
                                                    {"rbd-nbd", "list-mapped", "--format", "json"},
                                                    "image"},
                                     ceph);
}

}  // namespace bulkhead::rbd
