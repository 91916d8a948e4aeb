#include "plugins/logs/connection.h"

#include <arpa/inet.h>
#include <netdb.h>
#include <openssl/err.h>
#include <openssl/x509v3.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <stdexcept>

#include "common/errno_text.h"

namespace bulkhead::logs {
namespace {

std::string OpenSslError() {
  const unsigned long code = ERR_get_error();
  if (code == 0) return "TLS error";
  char text[256];
  ERR_error_string_n(code, text, sizeof(text));
  return text;
}

bool IsIpAddress(const std::string& host) {
  unsigned char buffer[16];
  return inet_pton(AF_INET, host.c_str(), buffer) == 1 ||
         inet_pton(AF_INET6, host.c_str(), buffer) == 1;
}

}  // namespace

bool IsConnectionAddress(const std::string& address) {
  return (address.rfind("udp://", 0) == 0 || address.rfind("tcp://", 0) == 0 ||
          address.rfind("tls://", 0) == 0) &&
         address.size() > 6;
}

Connection::Connection(const std::string& address, const std::string& default_port, TlsSettings tls)
    : tls_settings_(std::move(tls)) {
  if (!IsConnectionAddress(address)) {
    throw std::invalid_argument(address +
                                ": expected udp://HOST:PORT, tcp://HOST:PORT or tls://HOST:PORT");
  }
  udp_ = address.rfind("udp://", 0) == 0;
  tls_ = address.rfind("tls://", 0) == 0;
  const std::string host_port = address.substr(6);
  const size_t colon = host_port.rfind(':');
  host_ = host_port.substr(0, colon);
  port_ = colon == std::string::npos ? default_port : host_port.substr(colon + 1);
}

Connection::~Connection() {
  Close();
  if (context_ != nullptr) SSL_CTX_free(context_);
}

void Connection::Fail(const std::string& what, const std::string& reason) {
  Close();
  throw std::runtime_error(what + " " + host_ + ":" + port_ + ": " + reason);
}

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
  if (!connected) Fail("connecting to", ErrnoText(error));
  timeval timeout{30, 0};  // a peer that stops answering fails the batch
  ::setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof(timeout));
  ::setsockopt(fd_, SOL_SOCKET, SO_SNDTIMEO, &timeout, sizeof(timeout));
  if (tls_) StartTls();
}

void Connection::StartTls() {
  if (context_ == nullptr) {
    context_ = SSL_CTX_new(TLS_client_method());
    if (context_ == nullptr) Fail("TLS to", OpenSslError());
    SSL_CTX_set_min_proto_version(context_, TLS1_2_VERSION);
    const bool loaded =
        tls_settings_.ca_file.empty()
            ? SSL_CTX_set_default_verify_paths(context_) == 1
            : SSL_CTX_load_verify_locations(context_, tls_settings_.ca_file.c_str(), nullptr) == 1;
    if (!loaded)
      Fail("TLS to", "loading CA certificates " + tls_settings_.ca_file + ": " + OpenSslError());
    SSL_CTX_set_verify(context_, tls_settings_.skip_verify ? SSL_VERIFY_NONE : SSL_VERIFY_PEER,
                       nullptr);
  }
  ssl_ = SSL_new(context_);
  SSL_set_fd(ssl_, fd_);
  if (IsIpAddress(host_)) {
    X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(ssl_), host_.c_str());
  } else {
    SSL_set_tlsext_host_name(ssl_, host_.c_str());
    SSL_set1_host(ssl_, host_.c_str());
  }
  if (SSL_connect(ssl_) != 1) {
    const long verify = SSL_get_verify_result(ssl_);
    Fail("TLS handshake with",
         verify != X509_V_OK ? X509_verify_cert_error_string(verify) : OpenSslError());
  }
}

void Connection::Send(std::string_view bytes) {
  if (fd_ < 0) Connect();
  for (size_t sent = 0; sent < bytes.size();) {
    const size_t left = bytes.size() - sent;
    ssize_t n = 0;
    if (ssl_ != nullptr) {
      n = SSL_write(ssl_, bytes.data() + sent, static_cast<int>(std::min<size_t>(left, 1 << 30)));
      if (n <= 0) Fail("sending to", OpenSslError());
    } else {
      n = ::send(fd_, bytes.data() + sent, left, MSG_NOSIGNAL);
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) Fail("sending to", ErrnoText(errno));
    }
    sent += static_cast<size_t>(n);
  }
}

std::string Connection::Receive(size_t size) {
  if (fd_ < 0) Connect();
  std::string out(size, '\0');
  for (size_t got = 0; got < size;) {
    ssize_t n = 0;
    if (ssl_ != nullptr) {
      n = SSL_read(ssl_, out.data() + got, static_cast<int>(size - got));
      if (n <= 0) Fail("reading from", "the connection ended");
    } else {
      n = ::recv(fd_, out.data() + got, size - got, 0);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0)
        Fail("reading from", n == 0 ? "the peer closed the connection" : ErrnoText(errno));
    }
    got += static_cast<size_t>(n);
  }
  return out;
}

void Connection::Close() {
  if (ssl_ != nullptr) {
    SSL_shutdown(ssl_);  // close_notify: the server learns the stream ended cleanly
    SSL_free(ssl_);
  }
  ssl_ = nullptr;
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
}

}  // namespace bulkhead::logs
