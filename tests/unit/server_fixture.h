// Test fixture: a PluginServer on a temporary unix socket, served from a background thread, and
// a raw HTTP/1.1 client that sends exactly the bytes dockerd sends.
#pragma once

#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <thread>

#include "common/plugin_server.h"

namespace bulkhead::testing {

struct HttpReply {
  int status = 0;
  std::string body;
};

// Sends `request` as raw bytes on a fresh connection and reads until the server closes.
inline std::string SendRaw(const std::string& socket_path, const std::string& request) {
  const int fd = ::socket(AF_UNIX, SOCK_STREAM, 0);
  sockaddr_un address{};
  address.sun_family = AF_UNIX;
  socket_path.copy(address.sun_path, sizeof(address.sun_path) - 1);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address)) != 0) {
    ::close(fd);
    return "";
  }
  (void)!::write(fd, request.data(), request.size());
  if (request.empty()) ::shutdown(fd, SHUT_WR);  // a bare connection, as dockerd's liveness probe
  std::string reply;
  char buffer[4096];
  ssize_t got = 0;
  while ((got = ::read(fd, buffer, sizeof(buffer))) > 0)
    reply.append(buffer, static_cast<size_t>(got));
  ::close(fd);
  return reply;
}

// POSTs `body` the way dockerd does (empty Host, Content-Length, Connection: close).
inline HttpReply PostLikeDockerd(const std::string& socket_path, const std::string& path,
                                 const std::string& body) {
  const std::string raw = SendRaw(
      socket_path, "POST " + path + " HTTP/1.1\r\nHost: \r\nUser-Agent: Go-http-client/1.1\r\n" +
                       "Content-Length: " + std::to_string(body.size()) +
                       "\r\nAccept: application/vnd.docker.plugins.v1.2+json\r\n" +
                       "Connection: close\r\n\r\n" + body);
  HttpReply reply;
  if (raw.size() < 12) return reply;
  reply.status = std::stoi(raw.substr(9, 3));
  const size_t header_end = raw.find("\r\n\r\n");
  if (header_end != std::string::npos) reply.body = raw.substr(header_end + 4);
  return reply;
}

// One connection kept open across requests, as Go's transport does (it never pipelines).
class KeepAliveConnection {
 public:
  explicit KeepAliveConnection(const std::string& socket_path)
      : fd_(::socket(AF_UNIX, SOCK_STREAM, 0)) {
    sockaddr_un address{};
    address.sun_family = AF_UNIX;
    socket_path.copy(address.sun_path, sizeof(address.sun_path) - 1);
    connected_ = ::connect(fd_, reinterpret_cast<sockaddr*>(&address), sizeof(address)) == 0;
  }
  ~KeepAliveConnection() { ::close(fd_); }
  KeepAliveConnection(const KeepAliveConnection&) = delete;
  KeepAliveConnection& operator=(const KeepAliveConnection&) = delete;

  // Sends one POST and reads exactly one Content-Length-delimited reply.
  HttpReply Post(const std::string& path, const std::string& body) {
    HttpReply reply;
    const std::string request =
        "POST " + path + " HTTP/1.1\r\nHost: \r\nContent-Length: " + std::to_string(body.size()) +
        "\r\n\r\n" + body;
    if (!connected_ || ::write(fd_, request.data(), request.size()) < 0) return reply;
    std::string raw;
    char buffer[4096];
    size_t header_end = std::string::npos;
    size_t length = 0;
    while (header_end == std::string::npos || raw.size() < header_end + 4 + length) {
      const ssize_t got = ::read(fd_, buffer, sizeof(buffer));
      if (got <= 0) return reply;
      raw.append(buffer, static_cast<size_t>(got));
      header_end = raw.find("\r\n\r\n");
      const size_t field = raw.find("Content-Length: ");
      if (field != std::string::npos) length = std::stoul(raw.substr(field + 16));
    }
    reply.status = std::stoi(raw.substr(9, 3));
    reply.body = raw.substr(header_end + 4, length);
    return reply;
  }

 private:
  int fd_;
  bool connected_ = false;
};

class ServerFixture {
 public:
  ServerFixture()
      : directory_(MakeDirectory()),
        socket_path_(directory_ + "/plugin.sock"),
        server_(socket_path_) {}
  ~ServerFixture() {
    Stop();
    std::filesystem::remove_all(directory_);
  }

  PluginServer& server() { return server_; }
  const std::string& socket_path() const { return socket_path_; }

  void Start() {
    thread_ = std::thread([this] { server_.Run(); });
    for (int i = 0; i < 1000 && !server_.serving(); ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
  }
  void Stop() {
    if (!thread_.joinable()) return;
    server_.Stop();
    thread_.join();
  }
  HttpReply Post(const std::string& path, const std::string& body) {
    return PostLikeDockerd(socket_path_, path, body);
  }

 private:
  static std::string MakeDirectory() {
    std::string pattern =
        (std::filesystem::temp_directory_path() / "bulkhead-test-XXXXXX").string();
    return ::mkdtemp(pattern.data());
  }

  std::string directory_;
  std::string socket_path_;
  PluginServer server_;
  std::thread thread_;
};

}  // namespace bulkhead::testing
