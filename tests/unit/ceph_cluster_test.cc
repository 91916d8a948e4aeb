// CephCluster's error paths; connecting to a real cluster is covered by the integration tests.
#include "common/ceph_cluster.h"

#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>

namespace bulkhead {
namespace {

ConfigSection Ceph(const Environment& env) {
  return LoadConfigSection(nlohmann::json::object(), "ceph", CephSettingsSchema(), env);
}

// A loopback port with nothing listening on it.
std::string ClosedLoopbackAddress() {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ::bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address));
  socklen_t length = sizeof(address);
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length);
  ::close(fd);
  return "127.0.0.1:" + std::to_string(ntohs(address.sin_port));
}

TEST(CephCluster, RequiresAConfFileOrMonitors) {
  try {
    CephCluster::Connect(Ceph({}));
    FAIL() << "connected without any cluster address";
  } catch (const ConfigError& e) {
    EXPECT_NE(std::string(e.what()).find("ceph.conf_file or ceph.mon_host"), std::string::npos);
  }
}

TEST(CephCluster, MissingConfFileIsNamed) {
  try {
    CephCluster::Connect(Ceph({{"BULKHEAD_CEPH_CONF_FILE", "/nonexistent/ceph.conf"}}));
    FAIL() << "read a missing conf file";
  } catch (const CephError& e) {
    EXPECT_NE(std::string(e.what()).find("reading /nonexistent/ceph.conf"), std::string::npos)
        << e.what();
  }
}

TEST(CephCluster, DeadMonitorGivesAnErrorWithinTheTimeoutNotAHang) {
  const std::string mon = ClosedLoopbackAddress();
  const auto started = std::chrono::steady_clock::now();
  try {
    CephCluster::Connect(Ceph({{"BULKHEAD_CEPH_MON_HOST", mon},
                               {"BULKHEAD_CEPH_KEY", "AQBVh0RnAAAAABAAQJ9hNBE3BSbT6G8zFaWxHw=="},
                               {"BULKHEAD_CEPH_TIMEOUT", "2s"}}));
    FAIL() << "connected to a closed port";
  } catch (const CephError& e) {
    EXPECT_NE(std::string(e.what()).find("ceph cluster " + mon + " as client.admin: connecting"),
              std::string::npos)
        << e.what();
    EXPECT_LT(e.error_code(), 0);
  }
  EXPECT_LT(std::chrono::steady_clock::now() - started, std::chrono::seconds(30));
}

}  // namespace
}  // namespace bulkhead
