// libFuzzer target: an AuthZReq for POST /containers/create (and for exec and service updates)
// whose body is the fuzz input, through the whole SecretsAuthorizer with a real policy. Oracle:
// AddressSanitizer/UBSan reports, and AuthorizeRequest never throwing (an exception would become
// a 500 from the plugin: the daemon fails closed, but the user gets no reason).
#include <unistd.h>

#include <cstdint>
#include <cstdlib>
#include <fstream>
#include <string>

#include "plugins/secrets/secrets_authorizer.h"

namespace {

using namespace bulkhead::secrets;

class OneVolume : public VolumeSpecs {
 public:
  std::optional<SecretVolumeSpec> Spec(const std::string& name) override {
    if (name != "billing-db") return std::nullopt;
    return ParseVolumeSpec({{"path", "apps/billing/db"}});
  }
};

struct Fixture {
  Fixture()
      : dir(MakeDir()),
        policy(dir + "/policy.json"),
        grants(dir + "/bindings.json"),
        audit(dir + "/audit.log"),
        authorizer(policy, volumes, grants, known, audit, "bulkhead/secrets") {
    known.Add("correct-horse-battery");
  }
  static std::string MakeDir() {
    char pattern[] = "/tmp/bulkhead-fuzz.XXXXXX";
    const std::string dir = ::mkdtemp(pattern);
    std::ofstream(dir + "/policy.json") << R"({
      "grants": [{"secrets": ["apps/billing/*"], "images": ["billing/*"], "labels": {"team": "billing"}}],
      "groups": {"oncall": ["alice"]}, "break_glass": {"groups": ["oncall"]},
      "limits": [{"labels": {"class": "batch"}, "require": ["memory", "cpu", "pids", "blkio"]}]})";
    return dir;
  }
  std::string dir;
  PolicyFile policy;
  OneVolume volumes;
  GrantTable grants;
  KnownSecrets known;
  AuditLog audit;
  SecretsAuthorizer authorizer;
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static Fixture fixture;
  static const char* kUris[] = {"/v1.41/containers/create?name=x", "/v1.41/containers/x/exec",
                                "/v1.41/services/create"};
  bulkhead::AuthzRequest request;
  request.method = "POST";
  request.body.assign(reinterpret_cast<const char*>(data), size);
  for (const char* uri : kUris) {
    request.uri = uri;
    try {
      fixture.authorizer.AuthorizeRequest(request);
    } catch (const std::exception& e) {
      std::fprintf(stderr, "AuthorizeRequest threw on %s: %s\n", uri, e.what());
      std::abort();
    }
  }
  return 0;
}
