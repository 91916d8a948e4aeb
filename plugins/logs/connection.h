// Connection: a client socket to a log backend named "udp://HOST:PORT", "tcp://HOST:PORT" or
// "tls://HOST:PORT" (TCP with TLS).
//
// Contract: connects lazily on the first Send() and after any failure; Send() writes the whole
// buffer (one datagram for udp) or throws with the address and the error, leaving the
// connection closed so the next Send() reconnects. TLS verifies the server's certificate
// against `TlsSettings::ca_file` (or the system's CAs) and its name or IP against HOST, unless
// skip_verify. Not thread-safe: one user at a time.
#pragma once

#include <openssl/ssl.h>

#include <string>
#include <string_view>

namespace bulkhead::logs {

struct TlsSettings {
  std::string ca_file;  // "" = the system's CA certificates
  bool skip_verify = false;
};

class Connection {
 public:
  // `default_port` applies when the address has none.
  Connection(const std::string& address, const std::string& default_port, TlsSettings tls = {});
  ~Connection();
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  bool datagram() const { return udp_; }
  void Send(std::string_view bytes);
  // Reads exactly `size` bytes of the peer's reply (stream connections); throws like Send().
  std::string Receive(size_t size);

 private:
  void Connect();
  void StartTls();
  void Close();
  [[noreturn]] void Fail(const std::string& what, const std::string& reason);

  bool udp_ = false;
  bool tls_ = false;
  TlsSettings tls_settings_;
  std::string host_;
  std::string port_;
  int fd_ = -1;
  SSL_CTX* context_ = nullptr;
  SSL* ssl_ = nullptr;
};

// Whether `address` is a valid "udp://", "tcp://" or "tls://" HOST[:PORT].
bool IsConnectionAddress(const std::string& address);

}  // namespace bulkhead::logs
