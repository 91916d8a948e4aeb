// bulkhead-secrets: the operator's tool for the secrets plugin's stores and policy.
//   bulkhead-secrets [--backend local|rados] put PATH KEY=VALUE|KEY=@FILE ...
//   bulkhead-secrets [--backend local|rados] get PATH [KEY]
//   bulkhead-secrets [--backend local|rados] list [PREFIX]
//   bulkhead-secrets [--backend local|rados] rotate PATH      (new data key, new version)
//   bulkhead-secrets [--backend local|rados] delete PATH
//   bulkhead-secrets [--backend local|rados] rotate-master    (re-seal data keys with the first
//                                                              key of master_key_file)
//   bulkhead-secrets keygen ID                               (prints a master key line)
//   bulkhead-secrets check REQUEST.json   (dry-runs an AuthZReq body against the policy file and
//                                          the plugin's state; exit 0 allow, 3 deny)
//   bulkhead-secrets audit-verify [FILE]  (checks the audit log's hash chain)
// Settings come from the suite config (BULKHEAD_CONFIG) like the plugin's.
#include <iostream>

#include "common/atomic_file.h"
#include "common/base64.h"
#include "common/config.h"
#include "plugins/secrets/secrets_authorizer.h"
#include "plugins/secrets/secrets_settings.h"

namespace {

using bulkhead::secrets::EnvelopeStore;

constexpr int kUsageError = 2;
constexpr int kDenied = 3;

std::string ReadFile(const std::string& path) {
  auto contents = bulkhead::ReadFileIfExists(path);
  if (!contents) throw std::runtime_error("cannot read " + path + ": no such file");
  return *contents;
}

std::map<std::string, std::string> ParseAssignments(const std::vector<std::string>& arguments) {
  std::map<std::string, std::string> data;
  for (const std::string& argument : arguments) {
    const size_t equals = argument.find('=');
    if (equals == std::string::npos || equals == 0)
      throw std::invalid_argument("expected KEY=VALUE or KEY=@FILE, got \"" + argument + "\"");
    const std::string value = argument.substr(equals + 1);
    data[argument.substr(0, equals)] = value.rfind('@', 0) == 0 ? ReadFile(value.substr(1)) : value;
  }
  if (data.empty()) throw std::invalid_argument("put needs at least one KEY=VALUE");
  return data;
}

// Volume specs as the running plugin recorded them in volumes.json.
class RecordedVolumeSpecs : public bulkhead::secrets::VolumeSpecs {
 public:
  explicit RecordedVolumeSpecs(const std::string& path) {
    const auto text = bulkhead::ReadFileIfExists(path);
    if (!text) return;
    const auto volumes = nlohmann::json::parse(*text);
    for (const auto& [name, entry] : volumes.items())
      specs_[name] = bulkhead::secrets::ParseVolumeSpec(
          entry.at("options").get<std::map<std::string, std::string>>());
  }
  std::optional<bulkhead::secrets::SecretVolumeSpec> Spec(const std::string& name) override {
    auto it = specs_.find(name);
    if (it == specs_.end()) return std::nullopt;
    return it->second;
  }

 private:
  std::map<std::string, bulkhead::secrets::SecretVolumeSpec> specs_;
};

int Check(const bulkhead::ConfigSection& section, const std::string& request_file) {
  using namespace bulkhead::secrets;
  const std::string state_dir = section.String("state_dir");
  PolicyFile policy(section.String("policy_file"));
  if (!policy.last_error().empty()) std::cerr << policy.last_error() << "\n";
  RecordedVolumeSpecs volumes(state_dir + "/volumes.json");
  GrantTable grants(state_dir + "/bindings.json");
  KnownSecrets known;
  AuditLog audit("/dev/null");
  SecretsAuthorizer authorizer(policy, volumes, grants, known, audit,
                               section.String("plugin_name"));
  const auto request = bulkhead::ParseAuthzRequest(nlohmann::json::parse(ReadFile(request_file)));
  const auto decision = authorizer.AuthorizeRequest(request);
  std::cout << (decision.allow ? "allow" : "deny: " + decision.message) << "\n";
  return decision.allow ? 0 : kDenied;
}

int StoreCommand(EnvelopeStore& store, const std::string& command,
                 const std::vector<std::string>& args) {
  auto argument = [&args, &command](size_t index) {
    if (index >= args.size()) throw std::invalid_argument(command + ": missing argument");
    return args[index];
  };
  if (command == "put") {
    const std::vector<std::string> assignments(args.begin() + 1, args.end());
    std::cout << argument(0) << " version " << store.Put(argument(0), ParseAssignments(assignments))
              << "\n";
  } else if (command == "get") {
    const auto set = store.Read(argument(0));
    if (args.size() > 1) {
      auto it = set.data.find(args[1]);
      if (it == set.data.end()) throw std::invalid_argument("no key " + args[1] + " in " + args[0]);
      std::cout << it->second;
    } else {
      nlohmann::json out = {{"version", set.version}, {"keys", nlohmann::json::array()}};
      for (const auto& [key, value] : set.data) out["keys"].push_back(key);
      std::cout << out.dump() << "\n";
    }
  } else if (command == "list") {
    for (const std::string& path : store.List(args.empty() ? "" : args[0]))
      std::cout << path << "\n";
  } else if (command == "rotate") {
    std::cout << argument(0) << " version " << store.Rotate(argument(0)) << "\n";
  } else if (command == "delete") {
    if (!store.Remove(argument(0))) throw std::invalid_argument("no secret " + args[0]);
  } else if (command == "rotate-master") {
    std::cout << store.RotateMaster() << " secrets re-sealed\n";
  } else {
    throw std::invalid_argument("unknown command " + command);
  }
  return 0;
}

int Run(std::vector<std::string> args) {
  std::string backend;
  if (args.size() >= 2 && args[0] == "--backend") {
    backend = args[1];
    args.erase(args.begin(), args.begin() + 2);
  }
  if (args.empty())
    throw std::invalid_argument(
        "no command (put, get, list, rotate, delete, rotate-master, keygen, check, audit-verify)");
  const std::string command = args[0];
  args.erase(args.begin());
  if (command == "keygen") {
    std::cout << bulkhead::secrets::MasterKeyring::GenerateKeyLine(args.empty() ? "key1" : args[0]);
    return 0;
  }
  const bulkhead::Environment env = bulkhead::ProcessEnvironment();
  const nlohmann::json suite = bulkhead::LoadSuiteConfig(env);
  const auto section =
      bulkhead::LoadConfigSection(suite, "secrets", bulkhead::secrets::SecretsSchema(), env);
  if (command == "check") return Check(section, args.empty() ? "/dev/stdin" : args[0]);
  if (command == "audit-verify") {
    const std::string path = args.empty() ? bulkhead::secrets::AuditLogPath(section) : args[0];
    std::cout << path << ": " << bulkhead::secrets::AuditLog::Verify(path)
              << " records, chain intact\n";
    return 0;
  }
  if (backend.empty()) backend = section.String("backend") == "rados" ? "rados" : "local";
  auto store = bulkhead::secrets::OpenEnvelopeStore(backend, section, suite, env);
  return StoreCommand(*store, command, args);
}

}  // namespace

int main(int argc, char** argv) {
  try {
    return Run(std::vector<std::string>(argv + 1, argv + argc));
  } catch (const std::invalid_argument& e) {
    std::cerr << "bulkhead-secrets: " << e.what() << "\n";
    return kUsageError;
  } catch (const std::exception& e) {
    std::cerr << "bulkhead-secrets: " << e.what() << "\n";
    return 1;
  }
}
