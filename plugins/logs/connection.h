// Connection: a client socket to a log backend named "udp://HOST:PORT" or "tcp://HOST:PORT".
//
// Contract: connects lazily on the first Send() and after any failure; Send() writes the whole
// buffer (one datagram for udp) or throws with the address and the error, leaving the
// connection closed so the next Send() reconnects. Not thread-safe: one user at a time.
#pragma once

#include <string>
#include <string_view>

namespace bulkhead::logs {

class Connection {
 public:
  // `default_port` applies when the address has none.
  Connection(const std::string& address, const std::string& default_port);
  ~Connection();
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  bool datagram() const { return udp_; }
  void Send(std::string_view bytes);
  // Reads exactly `size` bytes of the peer's reply (stream connections); throws like Send().
  std::string Receive(size_t size);

 private:
  void Connect();
  void Close();

  bool udp_ = false;
  std::string host_;
  std::string port_;
  int fd_ = -1;
};

// Whether `address` is a valid "udp://HOST[:PORT]" or "tcp://HOST[:PORT]".
bool IsConnectionAddress(const std::string& address);

}  // namespace bulkhead::logs
