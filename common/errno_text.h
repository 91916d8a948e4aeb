// ErrnoText: the thread-safe text of an errno value (strerror is not thread-safe).
#pragma once

#include <string.h>

#include <string>

namespace bulkhead {

inline std::string ErrnoText(int error) {
  char buffer[256];
  // GNU strerror_r returns a pointer to the text (in `buffer` or a static string).
  return ::strerror_r(error, buffer, sizeof(buffer));
}

}  // namespace bulkhead
