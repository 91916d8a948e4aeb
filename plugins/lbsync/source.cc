#include "plugins/lbsync/source.h"

#include <httplib.h>

namespace bulkhead::lbsync {

bool Reachable(httplib::Client& client, const std::string& path) {
  auto reply = client.Get(path);
  return reply && reply->status == 200;
}

}  // namespace bulkhead::lbsync
