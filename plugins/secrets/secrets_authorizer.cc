#include "plugins/secrets/secrets_authorizer.h"

#include <spdlog/spdlog.h>

#include <algorithm>

namespace bulkhead::secrets {
namespace {

constexpr const char* kAllowed = "";

// A request the policy refuses outright while its volumes are being read.
class Refused : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

bool Matches(const std::vector<std::string>& patterns, const std::string& text) {
  return std::any_of(patterns.begin(), patterns.end(),
                     [&text](const std::string& pattern) { return GlobMatch(pattern, text); });
}

// The image as written, and without its tag, so "billing/*" matches "billing/api:1.2".
bool ImageMatches(const std::vector<std::string>& patterns, const std::string& image) {
  if (patterns.empty()) return true;
  const size_t slash = image.rfind('/');
  const size_t colon = image.rfind(':');
  const bool tagged = colon != std::string::npos && (slash == std::string::npos || colon > slash);
  return Matches(patterns, image) || (tagged && Matches(patterns, image.substr(0, colon)));
}

bool LabelsMatch(const std::map<std::string, std::string>& wanted,
                 const std::map<std::string, std::string>& labels) {
  return std::all_of(wanted.begin(), wanted.end(), [&labels](const auto& entry) {
    auto it = labels.find(entry.first);
    return it != labels.end() && it->second == entry.second;
  });
}

std::string Normalized(std::string path) {
  while (path.size() > 1 && path.back() == '/') path.pop_back();
  for (size_t at = path.find("//"); at != std::string::npos; at = path.find("//"))
    path.erase(at, 1);
  return path;
}

// True when one path is the other or contains it.
bool Overlaps(const std::string& a, const std::string& b) {
  auto within = [](const std::string& inner, const std::string& outer) {
    return inner == outer || outer == "/" || inner.rfind(outer + "/", 0) == 0;
  };
  return within(a, b) || within(b, a);
}

bool TrivialBody(const std::string& body) {
  std::string compact;
  for (char c : body)
    if (c != ' ' && c != '\n' && c != '\r' && c != '\t') compact += c;
  return compact.empty() || compact == "{}" || compact == "null";
}

std::string MissingLimits(const LimitRule& rule, const ContainerSpec& spec) {
  std::string missing;
  auto need = [&](const char* limit, bool present, const char* flag) {
    if (rule.require.count(limit) != 0 && !present)
      missing += std::string(missing.empty() ? "" : ", ") + flag;
  };
  need("memory", spec.memory > 0, "--memory");
  need("cpu", spec.nano_cpus > 0 || spec.cpu_quota > 0, "--cpus");
  need("pids", spec.pids_limit > 0, "--pids-limit");
  need("blkio", spec.blkio_limited, "--device-read-bps/--device-write-bps (or -iops)");
  return missing;
}

std::string Describe(const std::map<std::string, std::string>& labels) {
  std::string text;
  for (const auto& [key, value] : labels) text += (text.empty() ? "" : ",") + key + "=" + value;
  return text;
}

}  // namespace

SecretsAuthorizer::Verdict SecretsAuthorizer::Denied(std::string reason, std::string rule,
                                                     bool touches_secret) {
  Verdict verdict;
  verdict.allow = false;
  verdict.reason = std::move(reason);
  verdict.rule = std::move(rule);
  verdict.touches_secret = touches_secret;
  return verdict;
}

SecretsAuthorizer::Verdict SecretsAuthorizer::Audited(std::string reason, std::string rule) {
  Verdict verdict = Denied(std::move(reason), std::move(rule), true);
  verdict.allow = true;
  return verdict;
}

std::string Principal(const AuthzRequest& request) {
  return request.user.empty() ? "local" : request.user;
}

SecretsAuthorizer::SecretsAuthorizer(PolicyFile& policy, VolumeSpecs& volumes, GrantTable& grants,
                                     KnownSecrets& known, AuditLog& audit, std::string plugin_name)
    : policy_(policy),
      volumes_(volumes),
      grants_(grants),
      known_(known),
      audit_(audit),
      plugin_name_(std::move(plugin_name)) {}

bool SecretsAuthorizer::IsThisDriver(const std::string& driver) const {
  return driver == plugin_name_ || driver == plugin_name_ + ":latest";
}

AuthzDecision SecretsAuthorizer::AuthorizeRequest(const AuthzRequest& request) {
  const Route route = ParseRoute(request.method, request.uri);
  if (route.operation == Operation::kPing || route.operation == Operation::kOther ||
      route.operation == Operation::kContainerDelete)
    return {true, kAllowed};
  const auto policy = policy_.Current();
  Verdict verdict;
  try {
    switch (route.operation) {
      case Operation::kContainerCreate:
        verdict = CheckCreate(request, *policy);
        break;
      case Operation::kContainerStart:
        if (!TrivialBody(request.body))
          verdict = Denied("start requests carrying a HostConfig are refused; set it at create",
                           "start-body");
        break;
      case Operation::kExecCreate:
      case Operation::kArchive:
      case Operation::kExport:
      case Operation::kCommit:
        verdict = CheckProtected(request, route, *policy);
        break;
      case Operation::kServiceWrite:
        verdict = CheckService(request, *policy);
        break;
      case Operation::kPluginAdmin:
        verdict = CheckPluginAdmin(request, route, *policy);
        break;
      default:
        break;
    }
  } catch (const Refused& e) {
    verdict = Denied(e.what(), "volume", true);
  } catch (const GoJsonError& e) {
    verdict = Denied(std::string("request body cannot be read as the daemon reads it: ") + e.what(),
                     "body");
  }
  return Finish(request, route, verdict);
}

AuthzDecision SecretsAuthorizer::Finish(const AuthzRequest& request, const Route& route,
                                        const Verdict& verdict) {
  if (verdict.touches_secret || !verdict.allow) {
    nlohmann::json record = {{"event", "authz"},
                             {"decision", verdict.allow ? "allow" : "deny"},
                             {"principal", Principal(request)},
                             {"method", request.method},
                             {"path", route.path},
                             {"rule", verdict.rule},
                             {"reason", verdict.reason}};
    if (!verdict.container.empty()) record["container"] = verdict.container;
    if (!verdict.volumes.empty()) record["volumes"] = verdict.volumes;
    if (auto ticket = request.headers.find("X-Breakglass-Ticket"); ticket != request.headers.end())
      record["ticket"] = ticket->second;
    audit_.Append(record);
  }
  if (!verdict.allow)
    spdlog::info("denied {} {} for {}: {}", request.method, route.path, Principal(request),
                 verdict.reason);
  return {verdict.allow, verdict.allow ? "" : verdict.reason + " [rule " + verdict.rule + "]"};
}

std::vector<SecretsAuthorizer::ClaimedVolume> SecretsAuthorizer::ClaimedVolumes(
    const ContainerSpec& spec) {
  std::vector<ClaimedVolume> claimed;
  for (const VolumeReference& reference : spec.volumes) {
    if (reference.name.empty()) {
      if (IsThisDriver(reference.driver))
        throw Refused("anonymous " + plugin_name_ +
                      " volumes are refused: name the volume and set volume-opt path=");
      continue;
    }
    if (auto existing = volumes_.Spec(reference.name)) {
      claimed.push_back({reference.name, *existing, reference.read_only});
      continue;
    }
    if (!IsThisDriver(reference.driver)) continue;
    try {
      claimed.push_back({reference.name, ParseVolumeSpec(reference.options), reference.read_only});
    } catch (const std::invalid_argument& e) {
      throw Refused("volume " + reference.name + ": " + e.what());
    }
  }
  return claimed;
}

std::string SecretsAuthorizer::EnvViolation(const std::vector<std::string>& env,
                                            const Policy& policy) const {
  for (const std::string& entry : env) {
    const size_t equals = entry.find('=');
    const std::string name = entry.substr(0, equals);
    const bool points_at_file = name.size() > 5 && name.substr(name.size() - 5) == "_FILE";
    for (const std::string& pattern : policy.env_deny_names)
      if (!points_at_file && GlobMatch(pattern, name, true))
        return "env " + name + " looks like a secret (pattern " + pattern + "): deliver it in a " +
               plugin_name_ + " volume and point the app at the file";
    if (policy.env_deny_known_values && equals != std::string::npos &&
        known_.Contains(std::string_view(entry).substr(equals + 1)))
      return "env " + name + " holds the value of a secret " + plugin_name_ +
             " delivers; mount the secret volume instead";
  }
  return "";
}

std::string SecretsAuthorizer::GrantViolation(const ContainerSpec& spec,
                                              const std::vector<ClaimedVolume>& claimed,
                                              const Policy& policy) const {
  for (const ClaimedVolume& volume : claimed) {
    if (volume.spec.kind == VolumeKind::kSecret && policy.require_readonly && !volume.read_only)
      return "secret volume " + volume.name + " must be mounted read-only (add readonly or :ro)";
    const bool granted =
        std::any_of(policy.grants.begin(), policy.grants.end(), [&](const Grant& g) {
          return Matches(g.secrets, volume.spec.path) && ImageMatches(g.images, spec.image) &&
                 LabelsMatch(g.labels, spec.labels);
        });
    if (!granted)
      return "no grant lets image " + spec.image + " (labels " + Describe(spec.labels) +
             ") mount " + volume.name + " (path " + volume.spec.path + ")";
  }
  return "";
}

SecretsAuthorizer::Verdict SecretsAuthorizer::CheckCreate(const AuthzRequest& request,
                                                          const Policy& policy) {
  if (request.body.empty())
    return Denied(
        "container create without a body the plugin can read (over 1 MiB, or not "
        "application/json)",
        "body");
  const ContainerSpec spec = DecodeContainerCreate(GoJson::Parse(request.body));
  const std::vector<ClaimedVolume> claimed = ClaimedVolumes(spec);
  Verdict verdict;
  for (const ClaimedVolume& volume : claimed) verdict.volumes.insert(volume.name);
  verdict.touches_secret = !claimed.empty();
  auto deny = [&verdict](std::string reason, const char* rule) {
    verdict.allow = false;
    verdict.reason = std::move(reason);
    verdict.rule = rule;
    return verdict;
  };
  if (auto reason = GrantViolation(spec, claimed, policy); !reason.empty())
    return deny(reason, "grant");
  if (auto reason = EnvViolation(spec.env, policy); !reason.empty()) {
    verdict.touches_secret = true;
    return deny(reason, "env");
  }
  for (const auto& [key, value] : spec.labels)
    if (policy.env_deny_known_values && known_.Contains(value)) {
      verdict.touches_secret = true;
      return deny("label " + key + " holds the value of a secret", "env");
    }
  for (const std::string& source : spec.bind_sources)
    for (const std::string& guarded : policy.protected_host_paths)
      if (Overlaps(Normalized(source), Normalized(guarded)))
        return deny("bind mount of " + source + " reaches protected host path " + guarded,
                    "host-path");
  std::vector<std::string> references = spec.volumes_from;
  references.insert(references.end(), spec.namespace_refs.begin(), spec.namespace_refs.end());
  for (const std::string& reference : references)
    if (auto held = grants_.Find(reference); held && !held->volumes.empty()) {
      verdict.touches_secret = true;
      return deny("container " + reference +
                      " holds secrets; --volumes-from and container: "
                      "namespaces cannot target it",
                  "protected-container");
    }
  for (const LimitRule& rule : policy.limits) {
    if (!LabelsMatch(rule.labels, spec.labels) || !ImageMatches(rule.images, spec.image)) continue;
    if (auto missing = MissingLimits(rule, spec); !missing.empty())
      return deny("containers with labels " + Describe(rule.labels) + " must set limits; add " +
                      missing + " (rule " + rule.name + ")",
                  "limits");
  }
  if (!claimed.empty()) {
    verdict.reason = "granted";
    verdict.rule = "grant";
    grants_.AddPending(verdict.volumes);
  }
  return verdict;
}

SecretsAuthorizer::Verdict SecretsAuthorizer::CheckProtected(const AuthzRequest& request,
                                                             const Route& route,
                                                             const Policy& policy) {
  Verdict verdict;
  if (route.operation == Operation::kExecCreate) {
    if (request.body.empty()) return Denied("exec without a body the plugin can read", "body");
    if (auto reason = EnvViolation(DecodeExecEnv(GoJson::Parse(request.body)), policy);
        !reason.empty())
      return Denied(reason, "env", true);
  }
  const auto held = grants_.Find(route.target);
  if (!held || held->volumes.empty()) return verdict;
  verdict.touches_secret = true;
  verdict.container = held->id;
  verdict.volumes = held->volumes;
  const std::string action = route.path.substr(route.path.rfind('/') + 1);
  if (policy.InBreakGlass(request.user)) {
    verdict.reason = "break-glass " + action + " by " + request.user;
    verdict.rule = "break-glass";
    spdlog::warn("break-glass: {} {} on container {} by {}", request.method, route.path, held->id,
                 request.user);
    return verdict;
  }
  verdict.allow = false;
  verdict.rule = "protected-container";
  verdict.reason = "container " + route.target + " holds secrets; " + action +
                   " is allowed only to the break-glass group (user " + Principal(request) + ")";
  return verdict;
}

SecretsAuthorizer::Verdict SecretsAuthorizer::CheckService(const AuthzRequest& request,
                                                           const Policy& policy) {
  if (request.body.empty()) return Denied("service spec without a readable body", "body");
  const ContainerSpec spec = DecodeServiceSpec(GoJson::Parse(request.body));
  if (auto reason = EnvViolation(spec.env, policy); !reason.empty())
    return Denied(reason, "env", true);
  if (!ClaimedVolumes(spec).empty())
    return Denied("swarm services cannot mount " + plugin_name_ +
                      " volumes (their tasks start without a create request to bind them to)",
                  "service", true);
  return Verdict{};
}

SecretsAuthorizer::Verdict SecretsAuthorizer::CheckPluginAdmin(const AuthzRequest& request,
                                                               const Route& route,
                                                               const Policy& policy) {
  const bool hex_id = route.target.size() >= 12 &&
                      route.target.find_first_not_of("0123456789abcdef") == std::string::npos;
  if (!IsThisDriver(route.target) && !hex_id) return Verdict{};
  if (request.user.empty() || policy.InBreakGlass(request.user))
    return Audited("plugin administration by " + Principal(request), "plugin-admin");
  return Denied(
      "only the break-glass group (or the host's local socket) may change " + plugin_name_,
      "plugin-admin", true);
}

AuthzDecision SecretsAuthorizer::AuthorizeResponse(const AuthzRequest& request) {
  const Route route = ParseRoute(request.method, request.uri);
  try {
    if (route.operation == Operation::kContainerCreate && !request.response_body.empty() &&
        (request.response_status == 201 || request.response_status == 0)) {
      const GoJson response = GoJson::Parse(request.response_body);
      const std::string id = response.Field("Id").String();
      const ContainerSpec spec = DecodeContainerCreate(GoJson::Parse(request.body));
      ContainerBinding binding{
          id, route.query.count("name") ? route.query.at("name") : "", spec.image, {}, {}};
      grants_.ForgetName(binding.name);
      for (const ClaimedVolume& volume : ClaimedVolumes(spec))
        (volume.spec.kind == VolumeKind::kSecret ? binding.volumes : binding.config_volumes)
            .insert(volume.name);
      if (!id.empty() && (!binding.volumes.empty() || !binding.config_volumes.empty())) {
        grants_.Bind(binding);
        audit_.Append({{"event", "bind"},
                       {"container", id},
                       {"name", binding.name},
                       {"image", spec.image},
                       {"volumes", binding.volumes},
                       {"config_volumes", binding.config_volumes}});
      }
    }
    if (route.operation == Operation::kContainerDelete &&
        (request.response_status == 204 || request.response_status == 0)) {
      if (auto dropped = grants_.Forget(route.target))
        audit_.Append(
            {{"event", "unbind"}, {"container", dropped->id}, {"volumes", dropped->volumes}});
    }
  } catch (const std::exception& e) {
    spdlog::warn("AuthZRes {} {}: {}", request.method, route.path, e.what());
  }
  return {true, kAllowed};
}

}  // namespace bulkhead::secrets
