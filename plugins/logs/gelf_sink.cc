// GELF sink (Graylog Extended Log Format 1.1): one JSON object per event, over UDP (compressed
// with gzip or zlib, or not, and split into GELF chunks when longer than one datagram) or TCP or
// TLS (uncompressed, each object ended by a NUL byte). Container metadata goes in "_"-prefixed
// additional fields, as Docker's own gelf driver names them; a line that is not valid UTF-8 is
// sent base64-encoded with "_encoding":"base64".
#include <nlohmann/json.hpp>
#include <random>
#include <stdexcept>

#include "common/base64.h"
#include "plugins/logs/compress.h"
#include "plugins/logs/connection.h"
#include "plugins/logs/sink.h"
#include "plugins/logs/text.h"

namespace bulkhead::logs {
namespace {

constexpr size_t kChunkPayload = 8192 - 12;  // a LAN-sized datagram less the chunk header
constexpr size_t kMaxChunks = 128;

// GELF timestamps are seconds with a decimal fraction.
double Seconds(int64_t time_nano) {
  const int64_t whole = time_nano / 1000000000;
  const int64_t fraction = time_nano % 1000000000;
  return static_cast<double>(whole) + static_cast<double>(fraction) * 1e-9;
}

class GelfSink : public LogSink {
 public:
  GelfSink(const std::string& address, GelfCompression compression, const TlsSettings& tls)
      : connection_(address, "12201", tls), compression_(compression) {}

  std::string name() const override { return "gelf"; }

  void Send(const std::vector<LogEntry>& batch, const ContainerMeta& meta) override {
    std::string stream;
    for (const LogEntry& entry : batch) {
      const std::string message = Message(entry, meta).dump();
      if (connection_.datagram()) {
        SendDatagrams(compression_ == GelfCompression::kNone
                          ? message
                          : Compress(message, compression_ == GelfCompression::kGzip
                                                  ? Framing::kGzip
                                                  : Framing::kZlib));
      } else {
        stream += message;
        stream += '\0';
      }
    }
    if (!stream.empty()) connection_.Send(stream);
  }

 private:
  static nlohmann::json Message(const LogEntry& entry, const ContainerMeta& meta) {
    const bool utf8 = IsValidUtf8(entry.line);
    nlohmann::json message = {{"version", "1.1"},
                              {"host", meta.host},
                              {"short_message", utf8 ? entry.line : Base64Encode(entry.line)},
                              {"timestamp", Seconds(entry.time_nano)},
                              {"level", entry.source == "stderr" ? 3 : 6},
                              {"_container_id", meta.container_id},
                              {"_container_name", meta.container_name},
                              {"_image_name", meta.image_name},
                              {"_image_id", meta.image_id},
                              {"_tag", meta.tag},
                              {"_stream", entry.source}};
    if (!utf8) message["_encoding"] = "base64";
    for (const auto& [key, value] : meta.attrs) {
      if (key != "id") message["_" + key] = value;  // "_id" is reserved by GELF
    }
    return message;
  }

  // A datagram, or GELF chunks: 0x1e 0x0f, an 8-byte message id, sequence number and count.
  void SendDatagrams(const std::string& payload) {
    if (payload.size() <= kChunkPayload + 12) {
      connection_.Send(payload);
      return;
    }
    const size_t count = (payload.size() + kChunkPayload - 1) / kChunkPayload;
    if (count > kMaxChunks)
      throw std::runtime_error("gelf: message of " + std::to_string(payload.size()) +
                               " bytes needs more than 128 chunks; use tcp://");
    const uint64_t id = random_();
    for (size_t i = 0; i < count; ++i) {
      std::string chunk = {'\x1e', '\x0f'};
      chunk.append(reinterpret_cast<const char*>(&id), sizeof(id));
      chunk += static_cast<char>(i);
      chunk += static_cast<char>(count);
      chunk.append(payload, i * kChunkPayload, kChunkPayload);
      connection_.Send(chunk);
    }
  }

  Connection connection_;
  GelfCompression compression_;
  std::mt19937_64 random_{std::random_device{}()};
};

}  // namespace

std::unique_ptr<LogSink> MakeGelfSink(const std::string& address, GelfCompression compression,
                                      const TlsSettings& tls) {
  return std::make_unique<GelfSink>(address, compression, tls);
}

}  // namespace bulkhead::logs
