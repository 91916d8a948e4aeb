#include "common/log_entry_codec.h"

namespace bulkhead {
namespace {

enum WireType : uint32_t { kVarint = 0, kFixed64 = 1, kLengthDelimited = 2, kFixed32 = 5 };

void PutVarint(uint64_t value, std::string& out) {
  while (value >= 0x80) {
    out += static_cast<char>((value & 0x7F) | 0x80);
    value >>= 7;
  }
  out += static_cast<char>(value);
}

void PutTag(uint32_t field, WireType type, std::string& out) { PutVarint(field << 3 | type, out); }

void PutBytes(uint32_t field, std::string_view bytes, std::string& out) {
  if (bytes.empty()) return;
  PutTag(field, kLengthDelimited, out);
  PutVarint(bytes.size(), out);
  out.append(bytes);
}

void PutVarintField(uint32_t field, uint64_t value, std::string& out) {
  if (value == 0) return;
  PutTag(field, kVarint, out);
  PutVarint(value, out);
}

// Reads protobuf fields from one message, bounds-checked.
class FieldReader {
 public:
  FieldReader(std::string_view data, const char* message) : data_(data), message_(message) {}

  bool Done() const { return position_ >= data_.size(); }

  // Reads a tag; returns the field number and sets `type`.
  uint32_t Tag(uint32_t& type) {
    const uint64_t tag = Varint();
    type = static_cast<uint32_t>(tag & 7);
    const uint64_t field = tag >> 3;
    if (field == 0 || field > 0x1FFFFFFF) Fail("invalid field number " + std::to_string(field));
    return static_cast<uint32_t>(field);
  }

  uint64_t Varint() {
    uint64_t value = 0;
    for (int shift = 0; shift < 64; shift += 7) {
      if (Done()) Fail("truncated varint");
      const auto byte = static_cast<unsigned char>(data_[position_++]);
      value |= static_cast<uint64_t>(byte & 0x7F) << shift;
      if ((byte & 0x80) == 0) return value;
    }
    Fail("varint longer than 10 bytes");
  }

  std::string_view Bytes() {
    const uint64_t length = Varint();
    if (length > data_.size() - position_) {
      Fail("length " + std::to_string(length) + " runs past the end of the message");
    }
    std::string_view bytes = data_.substr(position_, length);
    position_ += length;
    return bytes;
  }

  void Skip(uint32_t type) {
    switch (type) {
      case kVarint:
        Varint();
        return;
      case kFixed64:
        Advance(8);
        return;
      case kLengthDelimited:
        Bytes();
        return;
      case kFixed32:
        Advance(4);
        return;
      default:
        Fail("unsupported wire type " + std::to_string(type));
    }
  }

  void Expect(uint32_t field, uint32_t type, uint32_t expected) {
    if (type != expected) {
      Fail("field " + std::to_string(field) + " has wire type " + std::to_string(type) +
           ", expected " + std::to_string(expected));
    }
  }

  [[noreturn]] void Fail(const std::string& why) const {
    throw FrameError(std::string(message_) + ": " + why + " at byte " + std::to_string(position_));
  }

 private:
  void Advance(size_t count) {
    if (count > data_.size() - position_) Fail("truncated fixed-width field");
    position_ += count;
  }

  std::string_view data_;
  const char* message_;
  size_t position_ = 0;
};

PartialLogMetadata DecodePartialMetadata(std::string_view message) {
  PartialLogMetadata metadata;
  FieldReader reader(message, "PartialLogEntryMetadata");
  while (!reader.Done()) {
    uint32_t type = 0;
    const uint32_t field = reader.Tag(type);
    if (field == 1) {
      reader.Expect(field, type, kVarint);
      metadata.last = reader.Varint() != 0;
    } else if (field == 2) {
      reader.Expect(field, type, kLengthDelimited);
      metadata.id = std::string(reader.Bytes());
    } else if (field == 3) {
      reader.Expect(field, type, kVarint);
      metadata.ordinal = static_cast<int32_t>(reader.Varint());
    } else {
      reader.Skip(type);
    }
  }
  return metadata;
}

std::pair<std::string, std::string> DecodeAttr(std::string_view message) {
  std::pair<std::string, std::string> attr;
  FieldReader reader(message, "LogAttr");
  while (!reader.Done()) {
    uint32_t type = 0;
    const uint32_t field = reader.Tag(type);
    if (field == 1 || field == 2) {
      reader.Expect(field, type, kLengthDelimited);
      (field == 1 ? attr.first : attr.second) = std::string(reader.Bytes());
    } else {
      reader.Skip(type);
    }
  }
  return attr;
}

std::string EncodePartialMetadata(const PartialLogMetadata& metadata) {
  std::string out;
  PutVarintField(1, metadata.last ? 1 : 0, out);
  PutBytes(2, metadata.id, out);
  PutVarintField(3, static_cast<uint64_t>(static_cast<int64_t>(metadata.ordinal)), out);
  return out;
}

}  // namespace

uint32_t ReadFrameLength(std::string_view bytes) {
  return static_cast<uint32_t>(static_cast<unsigned char>(bytes[0])) << 24 |
         static_cast<uint32_t>(static_cast<unsigned char>(bytes[1])) << 16 |
         static_cast<uint32_t>(static_cast<unsigned char>(bytes[2])) << 8 |
         static_cast<uint32_t>(static_cast<unsigned char>(bytes[3]));
}

std::string EncodeLogEntry(const LogEntry& entry) {
  std::string out;
  PutBytes(1, entry.source, out);
  PutVarintField(2, static_cast<uint64_t>(entry.time_nano), out);
  PutBytes(3, entry.line, out);
  PutVarintField(4, entry.partial ? 1 : 0, out);
  if (entry.has_partial_metadata) {
    const std::string metadata = EncodePartialMetadata(entry.partial_metadata);
    PutTag(5, kLengthDelimited, out);
    PutVarint(metadata.size(), out);
    out += metadata;
  }
  for (const auto& [key, value] : entry.attrs) {
    std::string attr;
    PutBytes(1, key, attr);
    PutBytes(2, value, attr);
    PutTag(6, kLengthDelimited, out);
    PutVarint(attr.size(), out);
    out += attr;
  }
  return out;
}

LogEntry DecodeLogEntry(std::string_view message) {
  LogEntry entry;
  FieldReader reader(message, "LogEntry");
  while (!reader.Done()) {
    uint32_t type = 0;
    const uint32_t field = reader.Tag(type);
    switch (field) {
      case 1:
        reader.Expect(field, type, kLengthDelimited);
        entry.source = std::string(reader.Bytes());
        break;
      case 2:
        reader.Expect(field, type, kVarint);
        entry.time_nano = static_cast<int64_t>(reader.Varint());
        break;
      case 3:
        reader.Expect(field, type, kLengthDelimited);
        entry.line = std::string(reader.Bytes());
        break;
      case 4:
        reader.Expect(field, type, kVarint);
        entry.partial = reader.Varint() != 0;
        break;
      case 5:
        reader.Expect(field, type, kLengthDelimited);
        entry.partial_metadata = DecodePartialMetadata(reader.Bytes());
        entry.has_partial_metadata = true;
        break;
      case 6:
        reader.Expect(field, type, kLengthDelimited);
        entry.attrs.push_back(DecodeAttr(reader.Bytes()));
        break;
      default:
        reader.Skip(type);
    }
  }
  return entry;
}

void AppendLogFrame(const LogEntry& entry, std::string& out) {
  const std::string message = EncodeLogEntry(entry);
  const auto size = static_cast<uint32_t>(message.size());
  out += static_cast<char>(size >> 24 & 0xFF);
  out += static_cast<char>(size >> 16 & 0xFF);
  out += static_cast<char>(size >> 8 & 0xFF);
  out += static_cast<char>(size & 0xFF);
  out += message;
}

std::string EncodeLogFrame(const LogEntry& entry) {
  std::string out;
  AppendLogFrame(entry, out);
  return out;
}

FrameDecoder::FrameDecoder(uint32_t max_frame_bytes) : max_frame_bytes_(max_frame_bytes) {}

void FrameDecoder::Feed(std::string_view bytes) {
  if (offset_ > 0 && offset_ >= buffer_.size() / 2) {
    buffer_.erase(0, offset_);
    offset_ = 0;
  }
  buffer_.append(bytes);
}

bool FrameDecoder::Next(LogEntry& entry) {
  if (broken()) throw FrameError(broken_reason_);
  if (buffered() < 4) return false;
  const uint32_t size = ReadFrameLength(std::string_view(buffer_).substr(offset_, 4));
  if (size > max_frame_bytes_) {
    broken_reason_ = "frame length " + std::to_string(size) + " exceeds the limit of " +
                     std::to_string(max_frame_bytes_) + " bytes (corrupt stream)";
    throw FrameError(broken_reason_);
  }
  if (buffered() - 4 < size) return false;
  const std::string_view message = std::string_view(buffer_).substr(offset_ + 4, size);
  offset_ += 4 + size;
  entry = DecodeLogEntry(message);
  return true;
}

void FrameDecoder::Finish() const {
  if (buffered() == 0) return;
  if (buffered() < 4) {
    throw FrameError("stream ended inside a frame header (" + std::to_string(buffered()) +
                     " of 4 bytes)");
  }
  throw FrameError("stream ended inside a frame: have " + std::to_string(buffered() - 4) + " of " +
                   std::to_string(ReadFrameLength(std::string_view(buffer_).substr(offset_, 4))) +
                   " bytes");
}

}  // namespace bulkhead
