// The state lbsync keeps in step: which service endpoints should be in which load balancer pool.
#pragma once

#include <map>
#include <string>
#include <vector>

namespace bulkhead::lbsync {

// One endpoint of a service as a source sees it (a container, a Marathon task).
struct Endpoint {
  std::string object;  // the source object it belongs to (container ID, Marathon app ID)
  std::string id;      // the endpoint's own identity (container ID, task ID)
  std::string name;    // for logs (container name, task ID)
  std::string pool;    // the load balancer pool / backend / upstream
  std::string address;
  int port = 0;
  bool healthy = false;

  // The member's identity in a pool: "address:port".
  std::string key() const { return address + ":" + std::to_string(port); }
};

// A member as the load balancer reports it.
struct PoolMember {
  std::string key;        // "address:port"
  bool draining = false;  // takes no new connections (drain, disabled, maintenance)
};

}  // namespace bulkhead::lbsync
