#include "common/failpoint.h"

#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <set>
#include <sstream>
#include <string>

namespace bulkhead {
namespace {

std::set<std::string, std::less<>> ArmedFailpoints() {
  std::set<std::string, std::less<>> armed;
  // NOLINTNEXTLINE(concurrency-mt-unsafe): read once; Bulkhead never calls setenv while serving
  const char* value = std::getenv("BULKHEAD_FAILPOINTS");
  std::istringstream names(value == nullptr ? "" : value);
  for (std::string name; std::getline(names, name, ',');) {
    if (!name.empty()) armed.insert(name);
  }
  return armed;
}

}  // namespace

void Failpoint(std::string_view name) {
  static const std::set<std::string, std::less<>> armed = ArmedFailpoints();
  if (armed.find(name) == armed.end()) return;
  std::fprintf(stderr, "failpoint %.*s reached: exiting as if killed\n",
               static_cast<int>(name.size()), name.data());
  ::_exit(137);
}

}  // namespace bulkhead
