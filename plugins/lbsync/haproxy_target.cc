#include "plugins/lbsync/haproxy_target.h"

#include <netdb.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <sstream>
#include <stdexcept>

#include "common/errno_text.h"

namespace bulkhead::lbsync {
namespace {

constexpr unsigned kAdminStateMaintenance = 0x01 | 0x02 | 0x04 | 0x20;  // FMAINT, IMAINT, ..
constexpr unsigned kAdminStateDrain = 0x08 | 0x10;                      // FDRAIN, IDRAIN

int ConnectUnix(const std::string& path) {
  sockaddr_un address{};
  address.sun_family = AF_UNIX;
  if (path.size() >= sizeof(address.sun_path))
    throw std::runtime_error("socket path too long: " + path);
  std::memcpy(address.sun_path, path.c_str(), path.size() + 1);
  const int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd >= 0 && ::connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address)) == 0)
    return fd;
  const int error = errno;
  if (fd >= 0) ::close(fd);
  throw std::runtime_error("haproxy runtime API " + path + ": " + ErrnoText(error));
}

int ConnectTcp(const std::string& host_port) {
  const size_t colon = host_port.rfind(':');
  const std::string host = host_port.substr(0, colon);
  const std::string port = colon == std::string::npos ? "" : host_port.substr(colon + 1);
  addrinfo hints{};
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* found = nullptr;
  if (::getaddrinfo(host.c_str(), port.c_str(), &hints, &found) != 0 || found == nullptr)
    throw std::runtime_error("haproxy runtime API tcp:" + host_port + ": cannot resolve");
  const int fd = ::socket(found->ai_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
  const bool connected = fd >= 0 && ::connect(fd, found->ai_addr, found->ai_addrlen) == 0;
  const int error = errno;
  ::freeaddrinfo(found);
  if (connected) return fd;
  if (fd >= 0) ::close(fd);
  throw std::runtime_error("haproxy runtime API tcp:" + host_port + ": " + ErrnoText(error));
}

std::string Trimmed(std::string text) {
  while (!text.empty() && (text.back() == '\n' || text.back() == ' ')) text.pop_back();
  return text;
}

}  // namespace

HaproxyTarget::HaproxyTarget(std::string address, std::string prefix)
    : address_(std::move(address)), prefix_(std::move(prefix)) {}

std::string HaproxyTarget::Command(const std::string& command) const {
  const int fd =
      address_.rfind("tcp:", 0) == 0 ? ConnectTcp(address_.substr(4)) : ConnectUnix(address_);
  const std::string line = command + "\n";
  timeval timeout{5, 0};
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof(timeout));
  std::string answer;
  if (::send(fd, line.data(), line.size(), MSG_NOSIGNAL) == static_cast<ssize_t>(line.size())) {
    char buffer[4096];
    ssize_t got = 0;
    while ((got = ::recv(fd, buffer, sizeof(buffer), 0)) > 0)
      answer.append(buffer, static_cast<size_t>(got));
  }
  ::close(fd);
  return answer;
}

void HaproxyTarget::Expect(const std::string& command, const std::string& success) const {
  const std::string answer = Trimmed(Command(command));
  if (answer != success)
    throw std::runtime_error("haproxy: \"" + command +
                             "\": " + (answer.empty() ? "no answer" : answer));
}

std::vector<PoolMember> HaproxyTarget::Members(const std::string& pool) {
  const std::string answer = Command("show servers state " + pool);
  if (answer.rfind("1\n", 0) != 0 && answer.rfind("1 ", 0) != 0)
    throw std::runtime_error("haproxy: show servers state " + pool + ": " + Trimmed(answer));
  std::vector<PoolMember> members;
  std::istringstream lines(answer);
  std::string line;
  while (std::getline(lines, line)) {
    if (line.empty() || line[0] == '#' || line == "1") continue;
    std::istringstream fields(line);
    std::vector<std::string> field;
    for (std::string value; fields >> value;) field.push_back(value);
    // be_id be_name srv_id srv_name srv_addr srv_op_state srv_admin_state ... srv_port (19th)
    if (field.size() < 19 || field[3].rfind(prefix_, 0) != 0) continue;
    const unsigned admin = static_cast<unsigned>(std::stoul(field[6]));
    members.push_back({field[3].substr(prefix_.size()),
                       (admin & (kAdminStateMaintenance | kAdminStateDrain)) != 0});
  }
  return members;
}

void HaproxyTarget::Add(const std::string& pool, const Endpoint& endpoint) {
  const std::string server = pool + "/" + ServerName(endpoint.key());
  Expect("add server " + server + " " + endpoint.key(), "New server registered.");
  Expect("enable server " + server, "");
}

void HaproxyTarget::Enable(const std::string& pool, const std::string& key) {
  Expect("set server " + pool + "/" + ServerName(key) + " state ready", "");
}

void HaproxyTarget::Drain(const std::string& pool, const std::string& key) {
  Expect("set server " + pool + "/" + ServerName(key) + " state drain", "");
}

void HaproxyTarget::Remove(const std::string& pool, const std::string& key) {
  const std::string server = pool + "/" + ServerName(key);
  Expect("set server " + server + " state maint", "");
  Expect("del server " + server, "Server deleted.");
}

}  // namespace bulkhead::lbsync
