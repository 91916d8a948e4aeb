#include "plugins/logs/connection.h"

#include <netdb.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <stdexcept>

#include "common/errno_text.h"

namespace bulkhead::logs {

bool IsConnectionAddress(const std::string& address) {
  return (address.rfind("udp://", 0) == 0 || address.rfind("tcp://", 0) == 0) && address.size() > 6;
}

Connection::Connection(const std::string& address, const std::string& default_port) {
  if (!IsConnectionAddress(address))
    throw std::invalid_argument(address + ": expected udp://HOST:PORT or tcp://HOST:PORT");
  udp_ = address.rfind("udp://", 0) == 0;
  const std::string host_port = address.substr(6);
  const size_t colon = host_port.rfind(':');
  host_ = host_port.substr(0, colon);
  port_ = colon == std::string::npos ? default_port : host_port.substr(colon + 1);
}

Connection::~Connection() { Close(); }

void Connection::Connect() {
  addrinfo hints{};
  hints.ai_socktype = udp_ ? SOCK_DGRAM : SOCK_STREAM;
  addrinfo* found = nullptr;
  const int result = ::getaddrinfo(host_.c_str(), port_.c_str(), &hints, &found);
  if (result != 0) throw std::runtime_error(host_ + ":" + port_ + ": " + gai_strerror(result));
  fd_ = ::socket(found->ai_family, found->ai_socktype | SOCK_CLOEXEC, 0);
  const bool connected = fd_ >= 0 && ::connect(fd_, found->ai_addr, found->ai_addrlen) == 0;
  const int error = errno;
  ::freeaddrinfo(found);
  if (!connected) {
    Close();
    throw std::runtime_error("connecting to " + host_ + ":" + port_ + ": " + ErrnoText(error));
  }
  timeval timeout{30, 0};  // a peer that stops answering fails the batch
  ::setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof(timeout));
}

void Connection::Send(std::string_view bytes) {
  if (fd_ < 0) Connect();
  for (size_t sent = 0; sent < bytes.size();) {
    const ssize_t n = ::send(fd_, bytes.data() + sent, bytes.size() - sent, MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      const int error = errno;
      Close();
      throw std::runtime_error("sending to " + host_ + ":" + port_ + ": " + ErrnoText(error));
    }
    sent += static_cast<size_t>(n);
  }
}

std::string Connection::Receive(size_t size) {
  if (fd_ < 0) Connect();
  std::string out(size, '\0');
  for (size_t got = 0; got < size;) {
    const ssize_t n = ::recv(fd_, out.data() + got, size - got, 0);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      const int error = n == 0 ? ECONNRESET : errno;
      Close();
      throw std::runtime_error("reading from " + host_ + ":" + port_ + ": " + ErrnoText(error));
    }
    got += static_cast<size_t>(n);
  }
  return out;
}

void Connection::Close() {
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
}

}  // namespace bulkhead::logs
