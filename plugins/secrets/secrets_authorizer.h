// SecretsAuthorizer: the docker.authz/1.0 side of bulkhead/secrets, enforcing the Policy.
//
// Contract (see README "Secrets policy" for the rules):
//  - /_ping and /version are allowed before anything is decoded; requests the policy has no
//    rule for are allowed.
//  - Bodies are decoded as the daemon decodes them (GoJson). A create, exec or service request
//    whose body cannot be read that way, or is missing (over 1 MiB or not application/json), is
//    denied: the plugin fails closed.
//  - POST /containers/create: secret volumes (found in Binds, Mounts and the deprecated
//    top-level fields, whether or not the request names the driver) need a grant matching the
//    image and labels, and a read-only mount; env vars may not match a secret name pattern or
//    hold a known secret value; binds may not reach protected host paths; --volumes-from and
//    container:<ref> namespaces may not target a protected container; limit rules apply. An
//    allowed create with secret volumes leaves pending grants, and its response binds them to
//    the new container (AuthorizeResponse).
//  - exec, cp (archive/copy), export and commit of a protected container (one holding a secret
//    volume) are denied unless the TLS user is in a break-glass group; exec env is checked too.
//  - Start requests with a HostConfig body and swarm services mounting secret volumes are denied;
//    disabling, reconfiguring or removing this plugin needs break-glass unless it comes over the
//    local socket (the host operator's recovery path).
//  - Every decision that touches a secret is appended to the audit log; values never are.
// AuthorizeResponse() always allows. Thread-safe.
#pragma once

#include <set>
#include <string>

#include "common/authz_api.h"
#include "plugins/secrets/audit_log.h"
#include "plugins/secrets/docker_request.h"
#include "plugins/secrets/grant_table.h"
#include "plugins/secrets/known_secrets.h"
#include "plugins/secrets/policy.h"
#include "plugins/secrets/volume_spec.h"

namespace bulkhead::secrets {

class SecretsAuthorizer : public Authorizer {
 public:
  // `plugin_name`: this plugin's name as users install it, e.g. "bulkhead/secrets".
  SecretsAuthorizer(PolicyFile& policy, VolumeSpecs& volumes, GrantTable& grants,
                    KnownSecrets& known, AuditLog& audit, std::string plugin_name);

  AuthzDecision AuthorizeRequest(const AuthzRequest& request) override;
  AuthzDecision AuthorizeResponse(const AuthzRequest& request) override;

 private:
  struct ClaimedVolume {
    std::string name;
    SecretVolumeSpec spec;
    bool read_only = false;
  };
  struct Verdict {
    bool allow = true;
    std::string reason;
    std::string rule;
    bool touches_secret = false;
    std::string container;
    std::set<std::string> volumes;
  };

  static Verdict Denied(std::string reason, std::string rule, bool touches_secret = false);
  // An allow that goes to the audit log.
  static Verdict Audited(std::string reason, std::string rule);
  Verdict CheckCreate(const AuthzRequest& request, const Policy& policy);
  Verdict CheckProtected(const AuthzRequest& request, const Route& route, const Policy& policy);
  Verdict CheckService(const AuthzRequest& request, const Policy& policy);
  Verdict CheckPluginAdmin(const AuthzRequest& request, const Route& route, const Policy& policy);
  std::string EnvViolation(const std::vector<std::string>& env, const Policy& policy) const;
  std::string GrantViolation(const ContainerSpec& spec, const std::vector<ClaimedVolume>& claimed,
                             const Policy& policy) const;
  std::vector<ClaimedVolume> ClaimedVolumes(const ContainerSpec& spec);
  bool IsThisDriver(const std::string& driver) const;
  AuthzDecision Finish(const AuthzRequest& request, const Route& route, const Verdict& verdict);

  PolicyFile& policy_;
  VolumeSpecs& volumes_;
  GrantTable& grants_;
  KnownSecrets& known_;
  AuditLog& audit_;
  std::string plugin_name_;
};

// The principal of a request: the TLS user, or "local" for the unix socket.
std::string Principal(const AuthzRequest& request);

}  // namespace bulkhead::secrets
