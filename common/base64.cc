#include "common/base64.h"

#include <array>
#include <stdexcept>

namespace bulkhead {
namespace {

constexpr std::string_view kAlphabet =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
constexpr int kInvalid = -1;
constexpr int kPad = -2;

constexpr std::array<int, 256> MakeDecodeTable() {
  std::array<int, 256> table{};
  for (int& entry : table) entry = kInvalid;
  for (size_t i = 0; i < kAlphabet.size(); ++i)
    table[static_cast<unsigned char>(kAlphabet[i])] = static_cast<int>(i);
  table['='] = kPad;
  return table;
}

constexpr std::array<int, 256> kDecodeTable = MakeDecodeTable();

[[noreturn]] void Fail(const std::string& why, size_t position) {
  throw std::invalid_argument("invalid base64 at byte " + std::to_string(position) + ": " + why);
}

}  // namespace

std::string Base64Encode(std::string_view bytes) {
  std::string out;
  out.reserve((bytes.size() + 2) / 3 * 4);
  size_t i = 0;
  for (; i + 3 <= bytes.size(); i += 3) {
    const uint32_t n = static_cast<unsigned char>(bytes[i]) << 16 |
                       static_cast<unsigned char>(bytes[i + 1]) << 8 |
                       static_cast<unsigned char>(bytes[i + 2]);
    out += kAlphabet[n >> 18 & 63];
    out += kAlphabet[n >> 12 & 63];
    out += kAlphabet[n >> 6 & 63];
    out += kAlphabet[n & 63];
  }
  const size_t rest = bytes.size() - i;
  if (rest > 0) {
    uint32_t n = static_cast<unsigned char>(bytes[i]) << 16;
    if (rest == 2) n |= static_cast<unsigned char>(bytes[i + 1]) << 8;
    out += kAlphabet[n >> 18 & 63];
    out += kAlphabet[n >> 12 & 63];
    out += rest == 2 ? kAlphabet[n >> 6 & 63] : '=';
    out += '=';
  }
  return out;
}

std::string Base64Decode(std::string_view text) {
  std::string out;
  out.reserve(text.size() / 4 * 3);
  uint32_t accumulator = 0;
  int sextets = 0;
  int padding = 0;
  for (size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (c == '\r' || c == '\n') continue;
    const int value = kDecodeTable[static_cast<unsigned char>(c)];
    if (value == kInvalid) Fail("unexpected character", i);
    if (value == kPad) {
      if (sextets < 2) Fail("misplaced padding", i);
      ++padding;
      ++sextets;
    } else {
      if (padding > 0) Fail("data after padding", i);
      accumulator = accumulator << 6 | static_cast<uint32_t>(value);
      ++sextets;
    }
    if (sextets == 4) {
      accumulator <<= 6 * padding;
      out += static_cast<char>(accumulator >> 16 & 0xFF);
      if (padding < 2) out += static_cast<char>(accumulator >> 8 & 0xFF);
      if (padding < 1) out += static_cast<char>(accumulator & 0xFF);
      if (padding > 0 && text.find_first_not_of("\r\n", i + 1) != std::string_view::npos) {
        Fail("data after padding", i + 1);
      }
      accumulator = 0;
      sextets = 0;
    }
  }
  if (sextets != 0) Fail("truncated input", text.size());
  return out;
}

}  // namespace bulkhead
