// DockerRequest: what an authorization request means to the secrets policy. ParseRoute() turns a
// RequestUri into an operation (the API version prefix and query removed, the path
// percent-decoded as the daemon's router does); DecodeContainerSpec() reads a container create
// body (or an exec or service body) into the fields the policy checks, through GoJson so that case
// tricks and duplicate keys read exactly as the daemon reads them.
//
// Contract: the create body is decoded like moby's ContainerConfigWrapper: Config fields at the
// top level, HostConfig under "HostConfig" or, when that is absent, the deprecated top-level
// HostConfig fields. Volume references are collected from both places (a superset of what the
// daemon uses), so nothing the daemon would mount escapes the check. Decoding errors throw
// GoJsonError (the daemon refuses such bodies too).
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "plugins/secrets/go_json.h"

namespace bulkhead::secrets {

enum class Operation {
  kOther,
  kPing,             // /_ping, /version: never denied
  kContainerCreate,  // POST /containers/create
  kContainerStart,   // POST /containers/{ref}/start
  kContainerDelete,  // DELETE /containers/{ref}
  kExecCreate,       // POST /containers/{ref}/exec
  kArchive,          // GET|HEAD|PUT /containers/{ref}/archive, POST /containers/{ref}/copy
  kExport,           // GET /containers/{ref}/export
  kCommit,           // POST /commit?container={ref}
  kServiceWrite,     // POST /services/create, POST /services/{id}/update
  kPluginAdmin,  // POST /plugins/{name}/{disable,enable,set,upgrade,push}, DELETE /plugins/{name}
};

struct Route {
  Operation operation = Operation::kOther;
  std::string target;  // container or plugin reference from the path or query
  std::string path;    // decoded path without version prefix and query
  std::map<std::string, std::string> query;
};

Route ParseRoute(const std::string& method, const std::string& request_uri);
std::string PercentDecode(const std::string& text);

// A volume the request asks for.
struct VolumeReference {
  std::string name;    // "" for an anonymous volume
  std::string driver;  // as written ("" = the daemon's default or the existing volume's)
  std::map<std::string, std::string> options;  // driver options (Mounts only)
  std::string destination;
  bool read_only = false;
};

struct ContainerSpec {
  std::string image;
  std::map<std::string, std::string> labels;
  std::vector<std::string> env;
  std::vector<VolumeReference> volumes;
  std::vector<std::string> bind_sources;    // host paths of bind mounts
  std::vector<std::string> volumes_from;    // container references
  std::vector<std::string> namespace_refs;  // "container:<ref>" targets of pid/ipc/network modes
  int64_t memory = 0;
  int64_t nano_cpus = 0;
  int64_t cpu_quota = 0;
  int64_t pids_limit = 0;
  bool blkio_limited = false;  // any --device-read/write-bps/iops
};

ContainerSpec DecodeContainerCreate(const GoJson& body);
// POST /containers/{ref}/exec: only Env matters to the policy.
std::vector<std::string> DecodeExecEnv(const GoJson& body);
// POST /services/create|update: the TaskTemplate.ContainerSpec part.
ContainerSpec DecodeServiceSpec(const GoJson& body);

}  // namespace bulkhead::secrets
