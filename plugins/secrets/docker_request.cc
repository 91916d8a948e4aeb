#include "plugins/secrets/docker_request.h"

#include <regex>
#include <set>

namespace bulkhead::secrets {
namespace {

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

std::map<std::string, std::string> ParseQuery(const std::string& query) {
  std::map<std::string, std::string> values;
  size_t start = 0;
  while (start <= query.size()) {
    size_t end = query.find('&', start);
    if (end == std::string::npos) end = query.size();
    const std::string pair = query.substr(start, end - start);
    const size_t equals = pair.find('=');
    std::string key = PercentDecode(pair.substr(0, equals));
    std::string value = equals == std::string::npos ? "" : PercentDecode(pair.substr(equals + 1));
    if (!key.empty() && values.count(key) == 0) values[key] = value;  // Go's Query().Get: first
    start = end + 1;
  }
  return values;
}

std::vector<std::string> Split(const std::string& path) {
  std::vector<std::string> parts;
  size_t start = 1;
  while (start <= path.size()) {
    size_t end = path.find('/', start);
    if (end == std::string::npos) end = path.size();
    parts.push_back(path.substr(start, end - start));
    start = end + 1;
  }
  return parts;
}

Operation ContainerOperation(const std::string& method, const std::string& action) {
  if (action == "start" && method == "POST") return Operation::kContainerStart;
  if (action == "exec" && method == "POST") return Operation::kExecCreate;
  if (action == "archive" || (action == "copy" && method == "POST")) return Operation::kArchive;
  if (action == "export" && method == "GET") return Operation::kExport;
  return Operation::kOther;
}

// Plugin names hold '/' ("bulkhead/secrets:latest"): the router's {name:.*} takes every part
// between "/plugins/" and the action.
void ClassifyPlugin(const std::string& method, const std::vector<std::string>& parts,
                    Route& route) {
  static const std::set<std::string> kActions = {"disable", "enable", "set", "upgrade", "push"};
  const bool action = method == "POST" && parts.size() >= 3 && kActions.count(parts.back()) != 0;
  if (!action && method != "DELETE") return;
  const size_t end = action ? parts.size() - 1 : parts.size();
  std::string name;
  for (size_t i = 1; i < end; ++i) name += (i > 1 ? "/" : "") + parts[i];
  route.operation = Operation::kPluginAdmin;
  route.target = name;
}

Route Classify(const std::string& method, Route route) {
  const std::vector<std::string> parts = Split(route.path);
  const size_t n = parts.size();
  const std::string first = n > 0 ? parts[0] : "";
  if (route.path == "/_ping" || route.path == "/version") route.operation = Operation::kPing;
  if (first == "containers" && n == 2 && parts[1] == "create" && method == "POST")
    route.operation = Operation::kContainerCreate;
  if (first == "containers" && n == 2 && parts[1] != "create" && method == "DELETE") {
    route.operation = Operation::kContainerDelete;
    route.target = parts[1];
  }
  if (first == "containers" && n == 3) {
    route.operation = ContainerOperation(method, parts[2]);
    route.target = parts[1];
  }
  if (first == "commit" && n == 1 && method == "POST") {
    route.operation = Operation::kCommit;
    route.target = route.query.count("container") ? route.query.at("container") : "";
  }
  if (first == "services" && method == "POST" &&
      ((n == 2 && parts[1] == "create") || (n == 3 && parts[2] == "update")))
    route.operation = Operation::kServiceWrite;
  if (first == "plugins" && n >= 2) ClassifyPlugin(method, parts, route);
  return route;
}

// "name:/dst[:opts]" (a named volume when the source has no '/'); anything else is a bind.
void AddBind(const std::string& bind, ContainerSpec& spec) {
  const size_t colon = bind.find(':');
  const std::string source = bind.substr(0, colon);
  if (source.empty()) return;
  if (source.find('/') != std::string::npos) {
    spec.bind_sources.push_back(source);
    return;
  }
  VolumeReference volume;
  volume.name = source;
  const std::string rest = colon == std::string::npos ? "" : bind.substr(colon + 1);
  const size_t second = rest.find(':');
  volume.destination = rest.substr(0, second);
  if (second != std::string::npos) {
    const std::string options = "," + rest.substr(second + 1) + ",";
    volume.read_only = options.find(",ro,") != std::string::npos;
  }
  spec.volumes.push_back(volume);
}

void AddMount(const GoJson& mount, ContainerSpec& spec) {
  const std::string type = mount.Field("Type").String();
  const std::string source = mount.Field("Source").String();
  if (type == "bind") {
    spec.bind_sources.push_back(source);
    return;
  }
  if (type != "volume" && !type.empty()) return;  // tmpfs, npipe: nothing of ours
  VolumeReference volume;
  volume.name = source;
  volume.destination = mount.Field("Target").String();
  volume.read_only = mount.Field("ReadOnly").Bool();
  const GoJson& driver = mount.Field("VolumeOptions").Field("DriverConfig");
  volume.driver = driver.Field("Name").String();
  volume.options = driver.Field("Options").StringMap();
  spec.volumes.push_back(volume);
}

void AddHostConfigVolumes(const GoJson& host, ContainerSpec& spec) {
  for (const std::string& bind : host.Field("Binds").Strings()) AddBind(bind, spec);
  for (const GoJson& mount : host.Field("Mounts").Items()) AddMount(mount, spec);
  for (const std::string& from : host.Field("VolumesFrom").Strings())
    spec.volumes_from.push_back(from.substr(0, from.find(':')));
  for (const char* mode : {"PidMode", "IpcMode", "NetworkMode"}) {
    const std::string value = host.Field(mode).String();
    if (value.rfind("container:", 0) == 0) spec.namespace_refs.push_back(value.substr(10));
  }
}

// Memory, MemorySwap, CpuShares and CpusetCpus fall back to the deprecated top-level copies
// when the inner HostConfig leaves them at zero (moby runconfig getHostConfig).
int64_t Resource(const GoJson& inner, const GoJson& top, const char* name, bool merged) {
  const int64_t value = inner.Field(name).Integer();
  return value == 0 && merged ? top.Field(name).Integer() : value;
}

void ReadResources(const GoJson& body, ContainerSpec& spec) {
  const GoJson& inner = body.Field("HostConfig");
  const GoJson& host = inner.IsNull() ? body : inner;
  spec.memory = Resource(host, body, "Memory", true);
  spec.nano_cpus = Resource(host, body, "NanoCpus", false);
  spec.cpu_quota = Resource(host, body, "CpuQuota", false);
  spec.pids_limit = Resource(host, body, "PidsLimit", false);
  for (const char* field :
       {"BlkioDeviceReadBps", "BlkioDeviceWriteBps", "BlkioDeviceReadIOps", "BlkioDeviceWriteIOps"})
    spec.blkio_limited = spec.blkio_limited || !host.Field(field).Items().empty();
}

}  // namespace

std::string PercentDecode(const std::string& text) {
  std::string decoded;
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '%' && i + 2 < text.size() + 0 && HexValue(text[i + 1]) >= 0 &&
        HexValue(text[i + 2]) >= 0) {
      decoded += static_cast<char>(HexValue(text[i + 1]) * 16 + HexValue(text[i + 2]));
      i += 2;
    } else {
      decoded += text[i] == '+' ? ' ' : text[i];
    }
  }
  return decoded;
}

Route ParseRoute(const std::string& method, const std::string& request_uri) {
  static const std::regex kVersionPrefix(R"(^/v[0-9][0-9.]*(/|$))");
  Route route;
  const size_t question = request_uri.find('?');
  std::string path = request_uri.substr(0, question);
  if (question != std::string::npos) route.query = ParseQuery(request_uri.substr(question + 1));
  std::smatch match;
  if (std::regex_search(path, match, kVersionPrefix)) path = "/" + path.substr(match.length(0));
  route.path = PercentDecode(path);
  if (route.path.size() > 1 && route.path.back() == '/') route.path.pop_back();
  return Classify(method, route);
}

ContainerSpec DecodeContainerCreate(const GoJson& body) {
  if (body.kind() != GoJson::Kind::kObject) throw GoJsonError("container config must be an object");
  ContainerSpec spec;
  spec.image = body.Field("Image").String();
  spec.labels = body.Field("Labels").StringMap();
  spec.env = body.Field("Env").Strings();
  const std::string volume_driver = body.Field("HostConfig").Field("VolumeDriver").String();
  for (const auto& [destination, unused] : body.Field("Volumes").Members()) {
    VolumeReference anonymous;
    anonymous.destination = destination;
    anonymous.driver = volume_driver.empty() ? body.Field("VolumeDriver").String() : volume_driver;
    spec.volumes.push_back(anonymous);
  }
  AddHostConfigVolumes(body.Field("HostConfig"), spec);
  AddHostConfigVolumes(body, spec);  // the deprecated top-level HostConfig fields
  ReadResources(body, spec);
  return spec;
}

std::vector<std::string> DecodeExecEnv(const GoJson& body) { return body.Field("Env").Strings(); }

ContainerSpec DecodeServiceSpec(const GoJson& body) {
  const GoJson& container = body.Field("TaskTemplate").Field("ContainerSpec");
  ContainerSpec spec;
  spec.image = container.Field("Image").String();
  spec.labels = container.Field("Labels").StringMap();
  spec.env = container.Field("Env").Strings();
  for (const GoJson& mount : container.Field("Mounts").Items()) AddMount(mount, spec);
  return spec;
}

}  // namespace bulkhead::secrets
