#include "common/ceph_cluster.h"

#include "common/errno_text.h"

namespace bulkhead {

CephError::CephError(const std::string& what, int error_code)
    : std::runtime_error(what), error_code_(error_code) {}

int CheckCeph(int result, const std::string& what) {
  if (result < 0) throw CephError(what + ": " + ErrnoText(-result), result);
  return result;
}

const std::vector<SettingSpec>& CephSettingsSchema() {
  static const std::vector<SettingSpec> kSchema = {
      {"conf_file", SettingKind::kString, "", {}},   {"cluster", SettingKind::kString, "ceph", {}},
      {"user", SettingKind::kString, "admin", {}},   {"mon_host", SettingKind::kString, "", {}},
      {"key", SettingKind::kString, "", {}},         {"keyring", SettingKind::kString, "", {}},
      {"timeout", SettingKind::kSeconds, "10s", {}},
  };
  return kSchema;
}

PoolContext::PoolContext(std::shared_ptr<const CephCluster> cluster, rados_ioctx_t ioctx,
                         std::string pool, std::string rados_namespace)
    : cluster_(std::move(cluster)),
      ioctx_(ioctx),
      pool_(std::move(pool)),
      namespace_(std::move(rados_namespace)) {}

PoolContext::~PoolContext() { rados_ioctx_destroy(ioctx_); }

CephCluster::CephCluster(rados_t cluster, std::string description)
    : cluster_(cluster), description_(std::move(description)) {}

CephCluster::~CephCluster() { rados_shutdown(cluster_); }

std::shared_ptr<CephCluster> CephCluster::Connect(const ConfigSection& ceph) {
  const std::string& conf_file = ceph.String("conf_file");
  const std::string& mon_host = ceph.String("mon_host");
  if (conf_file.empty() && mon_host.empty()) {
    throw ConfigError("ceph: set either ceph.conf_file or ceph.mon_host (with ceph.key)");
  }
  const std::string description = "ceph cluster " + (mon_host.empty() ? conf_file : mon_host) +
                                  " as client." + ceph.String("user");
  rados_t cluster = nullptr;
  CheckCeph(rados_create2(&cluster, ceph.String("cluster").c_str(),
                          ("client." + ceph.String("user")).c_str(), 0),
            description + ": creating handle");
  // Owned from here on, so every failure below shuts the handle down.
  std::shared_ptr<CephCluster> handle(new CephCluster(cluster, description));
  auto set = [&](const char* option, const std::string& value) {
    if (value.empty()) return;
    CheckCeph(rados_conf_set(cluster, option, value.c_str()), description + ": setting " + option);
  };
  if (!conf_file.empty()) {
    CheckCeph(rados_conf_read_file(cluster, conf_file.c_str()),
              description + ": reading " + conf_file);
  }
  set("mon_host", mon_host);
  set("key", ceph.String("key"));
  set("keyring", ceph.String("keyring"));
  const std::string timeout = std::to_string(ceph.Seconds("timeout"));
  set("client_mount_timeout", timeout);
  set("rados_mon_op_timeout", timeout);
  set("rados_osd_op_timeout", timeout);
  CheckCeph(rados_connect(cluster), description + ": connecting");
  return handle;
}

std::unique_ptr<PoolContext> CephCluster::OpenPool(const std::string& pool,
                                                   const std::string& rados_namespace) const {
  rados_ioctx_t ioctx = nullptr;
  CheckCeph(rados_ioctx_create(cluster_, pool.c_str(), &ioctx),
            description_ + ": opening pool \"" + pool + "\"");
  rados_ioctx_set_namespace(ioctx, rados_namespace.c_str());
  return std::make_unique<PoolContext>(shared_from_this(), ioctx, pool, rados_namespace);
}

std::string CephCluster::MonCommand(const std::string& command_json) const {
  const char* commands[] = {command_json.c_str()};
  char* output = nullptr;
  size_t output_length = 0;
  char* status = nullptr;
  size_t status_length = 0;
  const int result = rados_mon_command(cluster_, commands, 1, "", 0, &output, &output_length,
                                       &status, &status_length);
  std::string reply(output == nullptr ? "" : std::string(output, output_length));
  std::string status_text(status == nullptr ? "" : std::string(status, status_length));
  rados_buffer_free(output);
  rados_buffer_free(status);
  CheckCeph(result, description_ + ": mon command " + command_json +
                        (status_text.empty() ? "" : " (" + status_text + ")"));
  return reply;
}

std::string CephCluster::ClientAddress() const {
  char* address = nullptr;
  CheckCeph(rados_getaddrs(cluster_, &address), description_ + ": reading client address");
  std::string text(address);
  std::free(address);  // NOLINT(cppcoreguidelines-no-malloc): librados allocates with malloc
  return text;
}

}  // namespace bulkhead
