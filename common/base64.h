// Base64 (RFC 4648, standard alphabet, padded), as Go's encoding/json writes []byte fields.
//
// Contract: Base64Decode accepts exactly what Go's StdEncoding accepts (padding required; CR and
// LF are ignored as Go does) and throws std::invalid_argument naming the offending position.
#pragma once

#include <string>
#include <string_view>

namespace bulkhead {

std::string Base64Encode(std::string_view bytes);
std::string Base64Decode(std::string_view text);

}  // namespace bulkhead
