#include "plugins/secrets/secrets_settings.h"

#include "common/ceph_cluster.h"
#include "plugins/secrets/file_blob_store.h"
#include "plugins/secrets/rados_blob_store.h"
#include "plugins/secrets/vault_backend.h"

namespace bulkhead::secrets {

const std::vector<SettingSpec>& SecretsSchema() {
  static const std::vector<SettingSpec> kSchema = {
      {"state_dir", SettingKind::kString, "/var/lib/bulkhead-secrets", {}},
      {"mount_root", SettingKind::kString, "/mnt/secrets", {}},
      {"policy_file", SettingKind::kString, "/etc/bulkhead/secrets-policy.json", {}},
      {"master_key_file", SettingKind::kString, "/etc/bulkhead/secrets.key", {}},
      {"backend", SettingKind::kString, "local", {"local", "rados", "vault"}},
      {"store_dir", SettingKind::kString, "", {}},
      {"audit_log", SettingKind::kString, "", {}},
      {"plugin_name", SettingKind::kString, "bulkhead/secrets", {}},
      {"rados_pool", SettingKind::kString, "bulkhead-secrets", {}},
      {"rados_namespace", SettingKind::kString, "secrets", {}},
      {"vault_address", SettingKind::kString, "", {}},
      {"vault_kv_mount", SettingKind::kString, "secret", {}},
      {"vault_token_file", SettingKind::kString, "", {}},
      {"vault_role_id_file", SettingKind::kString, "", {}},
      {"vault_secret_id_file", SettingKind::kString, "", {}},
      {"vault_ca_file", SettingKind::kString, "", {}},
      {"vault_namespace", SettingKind::kString, "", {}},
  };
  return kSchema;
}

std::string StoreDirectory(const ConfigSection& secrets) {
  const std::string& configured = secrets.String("store_dir");
  return configured.empty() ? secrets.String("state_dir") + "/store" : configured;
}

std::string AuditLogPath(const ConfigSection& secrets) {
  const std::string& configured = secrets.String("audit_log");
  return configured.empty() ? secrets.String("state_dir") + "/audit.log" : configured;
}

std::unique_ptr<EnvelopeStore> OpenEnvelopeStore(const std::string& backend,
                                                 const ConfigSection& secrets,
                                                 const nlohmann::json& suite_config,
                                                 const Environment& env) {
  MasterKeyring keyring = MasterKeyring::FromFile(secrets.String("master_key_file"));
  if (backend == "local")
    return std::make_unique<EnvelopeStore>(std::make_unique<FileBlobStore>(StoreDirectory(secrets)),
                                           std::move(keyring));
  if (backend != "rados")
    throw std::invalid_argument(backend + " is not an envelope store (local, rados)");
  const ConfigSection ceph = LoadConfigSection(suite_config, "ceph", CephSettingsSchema(), env);
  auto blobs = std::make_unique<RadosBlobStore>(
      CephCluster::Connect(ceph), secrets.String("rados_pool"), secrets.String("rados_namespace"));
  return std::make_unique<EnvelopeStore>(std::move(blobs), std::move(keyring));
}

BackendSet MakeBackendSet(const ConfigSection& secrets, const nlohmann::json& suite_config,
                          const Environment& env) {
  std::map<std::string, BackendSet::Factory> factories;
  for (const char* store : {"local", "rados"})
    factories[store] = [store, secrets, suite_config, env]() -> std::shared_ptr<SecretBackend> {
      return OpenEnvelopeStore(store, secrets, suite_config, env);
    };
  factories["vault"] = [secrets]() -> std::shared_ptr<SecretBackend> {
    VaultSettings vault;
    vault.address = secrets.String("vault_address");
    vault.kv_mount = secrets.String("vault_kv_mount");
    vault.token_file = secrets.String("vault_token_file");
    vault.role_id_file = secrets.String("vault_role_id_file");
    vault.secret_id_file = secrets.String("vault_secret_id_file");
    vault.ca_file = secrets.String("vault_ca_file");
    vault.namespace_name = secrets.String("vault_namespace");
    return std::make_shared<VaultBackend>(vault);
  };
  return BackendSet(secrets.String("backend"), std::move(factories));
}

}  // namespace bulkhead::secrets
