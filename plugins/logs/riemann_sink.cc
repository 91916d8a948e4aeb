// Riemann sink: each batch is one protobuf Msg of Events over TCP or TLS (a 4-byte length,
// then the message), and Send() returns when Riemann answers with ok=true; ok=false (with its
// error) or a dropped connection fails the batch. An event: time and time_micros of the line,
// host, service "<tag>/<stream>", description = the line, state "ok" (stdout) or "warning"
// (stderr), tags "docker" and the stream, attributes for the container and the selected labels
// and env. A line that is not valid UTF-8 is base64 with the attribute encoding=base64.
#include <stdexcept>

#include "common/base64.h"
#include "plugins/logs/connection.h"
#include "plugins/logs/sink.h"
#include "plugins/logs/text.h"

namespace bulkhead::logs {
namespace {

// The protobuf wire format for the few field kinds Riemann's proto uses.
class Proto {
 public:
  Proto& Varint(int field, uint64_t value) {
    Key(field, 0);
    return Raw(value);
  }
  Proto& Bytes(int field, std::string_view value) {
    Key(field, 2);
    Raw(value.size());
    bytes_ += value;
    return *this;
  }
  const std::string& bytes() const { return bytes_; }

 private:
  void Key(int field, int wire_type) { Raw((static_cast<uint64_t>(field) << 3) | wire_type); }
  Proto& Raw(uint64_t value) {
    do {
      const auto low = static_cast<char>(value & 0x7F);
      value >>= 7;
      bytes_ += static_cast<char>(low | (value != 0 ? 0x80 : 0));
    } while (value != 0);
    return *this;
  }
  std::string bytes_;
};

std::string Attribute(const std::string& key, const std::string& value) {
  return Proto().Bytes(1, key).Bytes(2, value).bytes();
}

std::string Event(const LogEntry& entry, const ContainerMeta& meta) {
  const bool utf8 = IsValidUtf8(entry.line);
  Proto event;
  event.Varint(1, static_cast<uint64_t>(entry.time_nano / 1000000000))
      .Bytes(2, entry.source == "stderr" ? "warning" : "ok")
      .Bytes(3, meta.tag + "/" + entry.source)
      .Bytes(4, meta.host)
      .Bytes(5, utf8 ? entry.line : Base64Encode(entry.line))
      .Bytes(7, "docker")
      .Bytes(7, entry.source)
      .Bytes(9, Attribute("container_id", meta.container_id))
      .Bytes(9, Attribute("container_name", meta.container_name))
      .Bytes(9, Attribute("image", meta.image_name));
  if (!utf8) event.Bytes(9, Attribute("encoding", "base64"));
  for (const auto& [key, value] : meta.attrs) event.Bytes(9, Attribute(key, value));
  event.Varint(10, static_cast<uint64_t>(entry.time_nano / 1000));
  return event.bytes();
}

// Reads Riemann's reply Msg: ok (field 2) and error (field 3); other fields are skipped.
void CheckReply(const std::string& message) {
  bool ok = false;
  std::string error;
  size_t at = 0;
  auto varint = [&] {
    uint64_t value = 0;
    for (int shift = 0; at < message.size() && shift < 64; shift += 7) {
      const auto byte = static_cast<uint8_t>(message[at++]);
      value |= static_cast<uint64_t>(byte & 0x7F) << shift;
      if ((byte & 0x80) == 0) return value;
    }
    throw std::runtime_error("riemann: malformed reply");
  };
  while (at < message.size()) {
    const uint64_t key = varint();
    const uint64_t wire_type = key & 7;
    if (wire_type == 0) {
      const uint64_t value = varint();
      if ((key >> 3) == 2) ok = value != 0;
    } else if (wire_type == 2) {
      const uint64_t size = varint();
      if (at + size > message.size()) throw std::runtime_error("riemann: truncated reply");
      if ((key >> 3) == 3) error = message.substr(at, size);
      at += size;
    } else {
      throw std::runtime_error("riemann: unexpected wire type in reply");
    }
  }
  if (!ok) throw std::runtime_error("riemann refused the events: " + error);
}

class RiemannSink : public LogSink {
 public:
  RiemannSink(const std::string& address, const TlsSettings& tls)
      : connection_(address, "5555", tls) {
    if (connection_.datagram())
      throw std::invalid_argument("riemann-address: use tcp:// (UDP has no acknowledgements)");
  }

  std::string name() const override { return "riemann"; }

  void Send(const std::vector<LogEntry>& batch, const ContainerMeta& meta) override {
    Proto message;
    for (const LogEntry& entry : batch) message.Bytes(6, Event(entry, meta));
    const std::string& body = message.bytes();
    std::string frame(4, '\0');
    for (int i = 0; i < 4; ++i) frame[i] = static_cast<char>(body.size() >> (24 - 8 * i));
    connection_.Send(frame + body);
    const std::string prefix = connection_.Receive(4);
    size_t size = 0;
    for (char c : prefix) size = (size << 8) | static_cast<uint8_t>(c);
    CheckReply(connection_.Receive(size));
  }

 private:
  Connection connection_;
};

}  // namespace

std::unique_ptr<LogSink> MakeRiemannSink(const std::string& address, const TlsSettings& tls) {
  return std::make_unique<RiemannSink>(address, tls);
}

}  // namespace bulkhead::logs
