// zlib compression for sinks: gzip (RFC 1952) or zlib (RFC 1950) framing of deflate.
#pragma once

#include <string>
#include <string_view>

namespace bulkhead::logs {

enum class Framing { kGzip, kZlib };

// Throws std::runtime_error when zlib fails.
std::string Compress(std::string_view data, Framing framing);

}  // namespace bulkhead::logs
