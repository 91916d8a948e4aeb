// Text helpers for log lines, which are arbitrary bytes.
#pragma once

#include <string_view>

namespace bulkhead::logs {

// Whether `bytes` is well-formed UTF-8 (no overlongs, surrogates or code points past U+10FFFF).
bool IsValidUtf8(std::string_view bytes);

}  // namespace bulkhead::logs
