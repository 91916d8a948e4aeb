// VolumeDriver protocol (docker.volumedriver/1.0): the routes and the driver interface.
//
// Contract: AddVolumeRoutes() maps each `/VolumeDriver.*` call onto a VolumeDriver with the exact
// field names dockerd uses (Name, Opts, ID, Mountpoint, Volume, Volumes, Capabilities.Scope).
// Drivers throw BadRequest for bad input and any std::exception for failures; both reach the
// user as the call's error. Mount IDs are random references, not container IDs: the same ID can
// be mounted twice (docker cp), and Unmount of an unknown ID must succeed.
#pragma once

#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "common/plugin_server.h"

namespace bulkhead {

using VolumeOptions = std::map<std::string, std::string>;

struct VolumeInfo {
  std::string name;
  std::string mountpoint;  // empty when not mounted on this host
  std::string created_at;  // RFC 3339, or empty to leave it out (an empty string breaks dockerd)
  nlohmann::json status = nlohmann::json::object();  // shown by `docker volume inspect`
};

class VolumeDriver {
 public:
  virtual ~VolumeDriver() = default;
  // Creates the volume; must succeed when it already exists with compatible options.
  virtual void Create(const std::string& name, const VolumeOptions& options) = 0;
  virtual void Remove(const std::string& name) = 0;
  // Makes the volume available on this host and returns its path; idempotent per mount id.
  virtual std::string Mount(const std::string& name, const std::string& mount_id) = 0;
  // Releases one reference taken by Mount; the last release really unmounts.
  virtual void Unmount(const std::string& name, const std::string& mount_id) = 0;
  // The mount path when mounted here, "" otherwise.
  virtual std::string Path(const std::string& name) = 0;
  // nullopt means "no such volume": dockerd then forgets its own record of it.
  virtual std::optional<VolumeInfo> Get(const std::string& name) = 0;
  virtual std::vector<VolumeInfo> List() = 0;
  // "local" or "global".
  virtual std::string Scope() = 0;
};

void AddVolumeRoutes(PluginServer& server, VolumeDriver& driver);

// Decodes a Create request's Opts (null, or an object of strings); BadRequest otherwise.
VolumeOptions ParseVolumeOptions(const nlohmann::json& opts);

}  // namespace bulkhead
