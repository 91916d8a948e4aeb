#include "common/log_entry_codec.h"

#include <gtest/gtest.h>

namespace bulkhead {
namespace {

LogEntry SampleEntry() {
  LogEntry entry;
  entry.source = "stdout";
  entry.time_nano = 1;
  entry.line = "hi";
  entry.partial = true;
  entry.has_partial_metadata = true;
  entry.partial_metadata = {true, "ab", 2};
  return entry;
}

std::string Bytes(std::initializer_list<int> values) {
  std::string out;
  for (int value : values) out += static_cast<char>(value);
  return out;
}

TEST(LogEntryCodec, EncodesTheProtoFieldNumbers) {
  const std::string expected =
      Bytes({0x0a, 6,    's', 't',  'd', 'o',  'u', 't',  0x10, 1,   0x1a, 2,    'h',
             'i',  0x20, 1,   0x2a, 8,   0x08, 1,   0x12, 2,    'a', 'b',  0x18, 2});
  EXPECT_EQ(EncodeLogEntry(SampleEntry()), expected);
  EXPECT_EQ(EncodeLogFrame(SampleEntry()), Bytes({0, 0, 0, 26}) + expected);
}

TEST(LogEntryCodec, LeavesProto3DefaultsOut) {
  LogEntry empty;
  EXPECT_EQ(EncodeLogEntry(empty), "");
  EXPECT_EQ(DecodeLogEntry(""), empty);
}

TEST(LogEntryCodec, RoundTripsBinaryLinesAttrsAndNegativeTimes) {
  LogEntry entry = SampleEntry();
  entry.line = std::string("\0\xff\xfe bytes\n", 9);
  entry.time_nano = 1732490682123456789;
  entry.attrs = {{"k", "v"}, {"", "empty key"}};
  EXPECT_EQ(DecodeLogEntry(EncodeLogEntry(entry)), entry);
  entry.time_nano = -5;
  EXPECT_EQ(DecodeLogEntry(EncodeLogEntry(entry)).time_nano, -5);
}

TEST(LogEntryCodec, SkipsUnknownFieldsOfEveryWireType) {
  const std::string unknown = Bytes({0x38, 0x96, 0x01,                      // field 7 varint
                                     0x41, 1,    2,    3,   4, 5, 6, 7, 8,  // field 8 fixed64
                                     0x4a, 2,    'x',  'y',                 // field 9 bytes
                                     0x55, 1,    2,    3,   4});            // field 10 fixed32
  EXPECT_EQ(DecodeLogEntry(unknown + EncodeLogEntry(SampleEntry())), SampleEntry());
}

TEST(LogEntryCodec, RejectsMalformedMessagesWithReasons) {
  auto error_of = [](const std::string& message) -> std::string {
    try {
      DecodeLogEntry(message);
    } catch (const FrameError& e) {
      return e.what();
    }
    return "no error";
  };
  EXPECT_NE(error_of(Bytes({0x1a, 10, 'a'})).find("runs past the end"), std::string::npos);
  EXPECT_NE(error_of(Bytes({0x10, 0x80})).find("truncated varint"), std::string::npos);
  EXPECT_NE(
      error_of(Bytes({0x10, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01}))
          .find("longer than 10 bytes"),
      std::string::npos);
  EXPECT_NE(error_of(Bytes({0x3b})).find("unsupported wire type 3"), std::string::npos);
  EXPECT_NE(error_of(Bytes({0x08, 1})).find("field 1 has wire type 0"), std::string::npos);
  EXPECT_NE(error_of(Bytes({0x00})).find("invalid field number 0"), std::string::npos);
  EXPECT_NE(error_of(Bytes({0x2a, 2, 0x12, 5})).find("PartialLogEntryMetadata"), std::string::npos);
  EXPECT_NE(error_of(Bytes({0x41, 1, 2})).find("truncated fixed-width"), std::string::npos);
}

TEST(FrameDecoder, ReassemblesFramesFedOneByteAtATime) {
  std::string stream;
  LogEntry second = SampleEntry();
  second.line = std::string(16384, 'x');
  AppendLogFrame(SampleEntry(), stream);
  AppendLogFrame(second, stream);
  FrameDecoder decoder;
  std::vector<LogEntry> entries;
  LogEntry entry;
  for (char byte : stream) {
    decoder.Feed(std::string_view(&byte, 1));
    while (decoder.Next(entry)) entries.push_back(entry);
  }
  ASSERT_EQ(entries.size(), 2U);
  EXPECT_EQ(entries[0], SampleEntry());
  EXPECT_EQ(entries[1], second);
  EXPECT_EQ(decoder.buffered(), 0U);
  EXPECT_NO_THROW(decoder.Finish());
}

TEST(FrameDecoder, TruncatedFrameIsReportedAtEnd) {
  const std::string frame = EncodeLogFrame(SampleEntry());
  FrameDecoder decoder;
  decoder.Feed(frame.substr(0, frame.size() - 3));
  LogEntry entry;
  EXPECT_FALSE(decoder.Next(entry));
  try {
    decoder.Finish();
    FAIL() << "Finish accepted a truncated frame";
  } catch (const FrameError& e) {
    EXPECT_STREQ(e.what(), "stream ended inside a frame: have 23 of 26 bytes");
  }
  FrameDecoder header_only;
  header_only.Feed(Bytes({0, 0}));
  EXPECT_THROW(header_only.Finish(), FrameError);
}

TEST(FrameDecoder, OversizedLengthBreaksTheStreamWithoutAllocating) {
  FrameDecoder decoder(1024);
  decoder.Feed(Bytes({0x7f, 0xff, 0xff, 0xff}) + "junk");
  LogEntry entry;
  EXPECT_THROW(decoder.Next(entry), FrameError);
  EXPECT_TRUE(decoder.broken());
  decoder.Feed(EncodeLogFrame(SampleEntry()));
  try {
    decoder.Next(entry);
    FAIL() << "a broken decoder decoded again";
  } catch (const FrameError& e) {
    EXPECT_NE(std::string(e.what()).find("exceeds the limit of 1024"), std::string::npos);
  }
}

TEST(FrameDecoder, CorruptPayloadWithSaneLengthIsSkipped) {
  std::string stream = Bytes({0, 0, 0, 2, 0x0b, 0x00});  // wire type 3: malformed
  AppendLogFrame(SampleEntry(), stream);
  FrameDecoder decoder;
  decoder.Feed(stream);
  LogEntry entry;
  EXPECT_THROW(decoder.Next(entry), FrameError);
  EXPECT_FALSE(decoder.broken());
  ASSERT_TRUE(decoder.Next(entry));
  EXPECT_EQ(entry, SampleEntry());
}

}  // namespace
}  // namespace bulkhead
