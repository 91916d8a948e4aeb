#include "common/volume_api.h"

namespace bulkhead {
namespace {

constexpr const char* kInterface = "VolumeDriver";

nlohmann::json VolumeJson(const VolumeInfo& volume) {
  nlohmann::json json{{"Name", volume.name}};
  if (!volume.mountpoint.empty()) json["Mountpoint"] = volume.mountpoint;
  if (!volume.created_at.empty()) json["CreatedAt"] = volume.created_at;
  if (!volume.status.empty()) json["Status"] = volume.status;
  return json;
}

}  // namespace

VolumeOptions ParseVolumeOptions(const nlohmann::json& opts) {
  VolumeOptions options;
  if (opts.is_null()) return options;
  if (!opts.is_object()) throw BadRequest("field \"Opts\" must be an object of strings");
  for (const auto& [key, value] : opts.items()) {
    if (!value.is_string()) throw BadRequest("option \"" + key + "\" must be a string");
    options[key] = value.get<std::string>();
  }
  return options;
}

void AddVolumeRoutes(PluginServer& server, VolumeDriver& driver) {
  server.Implements("VolumeDriver");
  server.Route(kInterface, "Create", [&driver](const nlohmann::json& request) {
    driver.Create(RequiredString(request, "Name"),
                  ParseVolumeOptions(request.value("Opts", nlohmann::json())));
    return nlohmann::json::object();
  });
  server.Route(kInterface, "Remove", [&driver](const nlohmann::json& request) {
    driver.Remove(RequiredString(request, "Name"));
    return nlohmann::json::object();
  });
  server.Route(kInterface, "Mount", [&driver](const nlohmann::json& request) {
    return nlohmann::json{{"Mountpoint", driver.Mount(RequiredString(request, "Name"),
                                                      RequiredString(request, "ID"))}};
  });
  server.Route(kInterface, "Unmount", [&driver](const nlohmann::json& request) {
    driver.Unmount(RequiredString(request, "Name"), RequiredString(request, "ID"));
    return nlohmann::json::object();
  });
  server.Route(kInterface, "Path", [&driver](const nlohmann::json& request) {
    return nlohmann::json{{"Mountpoint", driver.Path(RequiredString(request, "Name"))}};
  });
  server.Route(kInterface, "Get", [&driver](const nlohmann::json& request) {
    std::optional<VolumeInfo> volume = driver.Get(RequiredString(request, "Name"));
    if (!volume) throw std::runtime_error("no such volume");
    return nlohmann::json{{"Volume", VolumeJson(*volume)}};
  });
  server.Route(kInterface, "List", [&driver](const nlohmann::json&) {
    nlohmann::json volumes = nlohmann::json::array();
    for (const VolumeInfo& volume : driver.List()) volumes.push_back(VolumeJson(volume));
    return nlohmann::json{{"Volumes", volumes}};
  });
  server.Route(kInterface, "Capabilities", [&driver](const nlohmann::json&) {
    return nlohmann::json{{"Capabilities", {{"Scope", driver.Scope()}}}};
  });
}

}  // namespace bulkhead
