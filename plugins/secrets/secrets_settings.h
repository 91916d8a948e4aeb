// The "secrets" section of the suite config (env BULKHEAD_SECRETS_<KEY> overrides), shared by the
// plugin and the bulkhead-secrets CLI, and the backends it describes.
#pragma once

#include <vector>

#include "common/config.h"
#include "plugins/secrets/envelope_store.h"
#include "plugins/secrets/secret_volumes.h"

namespace bulkhead::secrets {

const std::vector<SettingSpec>& SecretsSchema();

// local (a FileBlobStore under store_dir), rados (a RadosBlobStore), vault; each made on first use.
BackendSet MakeBackendSet(const ConfigSection& secrets, const nlohmann::json& suite_config,
                          const Environment& env);
// An envelope store by name ("local" or "rados"), for the CLI.
std::unique_ptr<EnvelopeStore> OpenEnvelopeStore(const std::string& backend,
                                                 const ConfigSection& secrets,
                                                 const nlohmann::json& suite_config,
                                                 const Environment& env);
// state_dir-relative defaults resolved.
std::string StoreDirectory(const ConfigSection& secrets);
std::string AuditLogPath(const ConfigSection& secrets);

}  // namespace bulkhead::secrets
