// AMQP 0-9-1 sink (RabbitMQ and other brokers): one persistent message per event, published
// on a channel in confirm mode, and Send() returns only after the broker has confirmed every
// message of the batch (Basic.Ack); a Nack or a closed connection fails the batch, which is sent
// again. With amqp-queue the sink declares that durable queue and publishes to it through the
// default exchange; otherwise it publishes to amqp-exchange with amqp-routing-key. Messages are
// the event's JSON (application/json). amqps:// URLs connect with TLS.
#include <stdexcept>

#include "plugins/logs/connection.h"
#include "plugins/logs/event_json.h"
#include "plugins/logs/sink.h"

namespace bulkhead::logs {
namespace {

constexpr uint8_t kFrameMethod = 1;
constexpr uint8_t kFrameHeader = 2;
constexpr uint8_t kFrameBody = 3;
constexpr uint8_t kFrameHeartbeat = 8;
constexpr uint8_t kFrameEnd = 0xCE;
constexpr uint16_t kChannel = 1;

// AMQP's big-endian wire encoding.
class Writer {
 public:
  Writer& U8(uint8_t v) { return Put(&v, 1); }
  Writer& U16(uint16_t v) { return BigEndian(v, 2); }
  Writer& U32(uint32_t v) { return BigEndian(v, 4); }
  Writer& U64(uint64_t v) { return BigEndian(v, 8); }
  Writer& ShortString(const std::string& s) {
    if (s.size() > 255) throw std::runtime_error("amqp: short string too long: " + s);
    U8(static_cast<uint8_t>(s.size()));
    bytes_ += s;
    return *this;
  }
  Writer& LongString(const std::string& s) {
    U32(static_cast<uint32_t>(s.size()));
    bytes_ += s;
    return *this;
  }
  const std::string& bytes() const { return bytes_; }

 private:
  Writer& Put(const void* data, size_t size) {
    bytes_.append(static_cast<const char*>(data), size);
    return *this;
  }
  Writer& BigEndian(uint64_t v, int size) {
    for (int shift = (size - 1) * 8; shift >= 0; shift -= 8)
      bytes_ += static_cast<char>(v >> shift);
    return *this;
  }
  std::string bytes_;
};

class Reader {
 public:
  explicit Reader(std::string_view bytes) : bytes_(bytes) {}
  uint64_t Number(size_t size) {
    if (at_ + size > bytes_.size()) throw std::runtime_error("amqp: truncated frame");
    uint64_t v = 0;
    for (size_t i = 0; i < size; ++i) v = (v << 8) | static_cast<uint8_t>(bytes_[at_++]);
    return v;
  }
  std::string ShortString() {
    const size_t size = Number(1);
    if (at_ + size > bytes_.size()) throw std::runtime_error("amqp: truncated string");
    std::string s(bytes_.substr(at_, size));
    at_ += size;
    return s;
  }

 private:
  std::string_view bytes_;
  size_t at_ = 0;
};

struct Frame {
  uint8_t type = 0;
  uint16_t channel = 0;
  std::string payload;
  uint32_t Method() const {  // class << 16 | method
    Reader reader(payload);
    return static_cast<uint32_t>(reader.Number(4));
  }
};

constexpr uint32_t Id(uint16_t class_id, uint16_t method) { return (class_id << 16) | method; }

class AmqpSink : public LogSink {
 public:
  explicit AmqpSink(const AmqpOptions& options) : options_(options) {}
  ~AmqpSink() override { Disconnect(); }
  AmqpSink(const AmqpSink&) = delete;
  AmqpSink& operator=(const AmqpSink&) = delete;

  std::string name() const override { return "amqp"; }

  void Send(const std::vector<LogEntry>& batch, const ContainerMeta& meta) override {
    try {
      if (!connection_) Connect();
      const std::string routing_key =
          options_.queue.empty() ? options_.routing_key : options_.queue;
      std::string frames;
      for (const LogEntry& entry : batch)
        frames += PublishFrames(EventDocument(entry, meta).dump(), routing_key);
      WriteAll(frames);
      const uint64_t last = published_ += batch.size();
      while (confirmed_ < last) HandleConfirm(ReadFrame());
    } catch (...) {
      Disconnect();  // unconfirmed messages are sent again on a new connection
      throw;
    }
  }

 private:
  void Connect() {
    connection_ = std::make_unique<Connection>(
        (options_.tls ? "tls://" : "tcp://") + options_.host + ":" + options_.port, "5672",
        options_.tls_settings);
    WriteAll(std::string("AMQP\x00\x00\x09\x01", 8));
    Expect(Id(10, 10));  // Connection.Start
    Writer start_ok;
    start_ok.U16(10).U16(11).U32(0);  // empty client-properties table
    start_ok.ShortString("PLAIN").LongString(std::string("\0", 1) + options_.user +
                                             std::string("\0", 1) + options_.password);
    start_ok.ShortString("en_US");
    SendMethod(0, start_ok);
    Frame tune = Expect(Id(10, 30));
    Reader tune_args(std::string_view(tune.payload).substr(4));
    const auto channel_max = static_cast<uint16_t>(tune_args.Number(2));
    frame_max_ = static_cast<uint32_t>(tune_args.Number(4));
    if (frame_max_ == 0 || frame_max_ > (1U << 20)) frame_max_ = 1U << 17;
    Writer tune_ok;
    tune_ok.U16(10).U16(31).U16(channel_max).U32(frame_max_).U16(0);  // no heartbeats
    SendMethod(0, tune_ok);
    Writer open;
    open.U16(10).U16(40).ShortString(options_.vhost).ShortString("").U8(0);
    SendMethod(0, open);
    Expect(Id(10, 41));
    Writer channel_open;
    channel_open.U16(20).U16(10).ShortString("");
    SendMethod(kChannel, channel_open);
    Expect(Id(20, 11));
    Writer select;
    select.U16(85).U16(10).U8(0);  // Confirm.Select, wait for SelectOk
    SendMethod(kChannel, select);
    Expect(Id(85, 11));
    if (!options_.queue.empty()) {
      Writer declare;  // Queue.Declare: durable
      declare.U16(50).U16(10).U16(0).ShortString(options_.queue).U8(0b00010).U32(0);
      SendMethod(kChannel, declare);
      Expect(Id(50, 11));
    }
    published_ = confirmed_ = 0;
  }

  std::string PublishFrames(const std::string& body, const std::string& routing_key) const {
    Writer publish;
    publish.U16(60).U16(40).U16(0).ShortString(options_.exchange).ShortString(routing_key).U8(0);
    Writer header;
    header.U16(60).U16(0).U64(body.size());
    header.U16((1U << 15) | (1U << 12));           // content-type, delivery-mode
    header.ShortString("application/json").U8(2);  // 2: persistent
    std::string frames = Encode(kFrameMethod, kChannel, publish.bytes()) +
                         Encode(kFrameHeader, kChannel, header.bytes());
    const size_t chunk = frame_max_ - 8;
    for (size_t at = 0; at < body.size(); at += chunk)
      frames += Encode(kFrameBody, kChannel, body.substr(at, chunk));
    return frames;
  }

  void HandleConfirm(const Frame& frame) {
    const uint32_t method = frame.Method();
    Reader args(std::string_view(frame.payload).substr(4));
    if (method == Id(60, 80) || method == Id(60, 120)) {  // Basic.Ack / Basic.Nack
      const uint64_t tag = args.Number(8);
      if (method == Id(60, 120))
        throw std::runtime_error("amqp: the broker refused message " + std::to_string(tag));
      confirmed_ = std::max(confirmed_, tag);
      return;
    }
    ThrowIfClose(frame);
  }

  Frame Expect(uint32_t method) {
    while (true) {
      Frame frame = ReadFrame();
      if (frame.type != kFrameMethod) continue;
      if (frame.Method() == method) return frame;
      ThrowIfClose(frame);
    }
  }

  static void ThrowIfClose(const Frame& frame) {
    const uint32_t method = frame.Method();
    if (method != Id(10, 50) && method != Id(20, 40)) return;
    Reader args(std::string_view(frame.payload).substr(4));
    const uint64_t code = args.Number(2);
    throw std::runtime_error("amqp: the broker closed the " +
                             std::string(method == Id(10, 50) ? "connection" : "channel") + ": " +
                             std::to_string(code) + " " + args.ShortString());
  }

  static std::string Encode(uint8_t type, uint16_t channel, const std::string& payload) {
    Writer frame;
    frame.U8(type).U16(channel).U32(static_cast<uint32_t>(payload.size()));
    return frame.bytes() + payload + static_cast<char>(kFrameEnd);
  }

  void SendMethod(uint16_t channel, const Writer& method) {
    WriteAll(Encode(kFrameMethod, channel, method.bytes()));
  }

  Frame ReadFrame() {
    while (true) {
      std::string header = ReadExactly(7);
      Reader reader(header);
      Frame frame;
      frame.type = static_cast<uint8_t>(reader.Number(1));
      frame.channel = static_cast<uint16_t>(reader.Number(2));
      const auto size = static_cast<size_t>(reader.Number(4));
      if (size > (size_t{1} << 24)) throw std::runtime_error("amqp: frame too large");
      frame.payload = ReadExactly(size);
      if (static_cast<uint8_t>(ReadExactly(1)[0]) != kFrameEnd)
        throw std::runtime_error("amqp: bad frame end");
      if (frame.type != kFrameHeartbeat) return frame;
    }
  }

  void WriteAll(const std::string& bytes) { connection_->Send(bytes); }
  std::string ReadExactly(size_t size) { return connection_->Receive(size); }
  void Disconnect() { connection_.reset(); }

  AmqpOptions options_;
  std::unique_ptr<Connection> connection_;  // null while disconnected
  uint32_t frame_max_ = 1U << 17;
  uint64_t published_ = 0;  // delivery tags count from 1 on each new channel
  uint64_t confirmed_ = 0;
};

}  // namespace

std::unique_ptr<LogSink> MakeAmqpSink(const AmqpOptions& options) {
  return std::make_unique<AmqpSink>(options);
}

}  // namespace bulkhead::logs
