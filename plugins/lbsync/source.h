// StateSource: where lbsync learns which endpoints exist. One implementation per file:
// DockerSource (the engine's /events stream and container listing), MarathonSource (Marathon's
// /v2/events server-sent events and /v2/apps).
//
// Contract: List() returns every endpoint the source knows now (a full listing) or throws when
// the source is unreachable, never a partial answer. Follow() blocks, calling `changed` with the
// current endpoints of each object an event touched (an empty list and the ID when it went
// away), until the stream is lost or `stop` is set; it throws on connection errors. Callers
// resynchronise with List() after Follow() returns, never trusting deltas alone.
#pragma once

#include <atomic>
#include <functional>
#include <string>
#include <vector>

#include "plugins/lbsync/member.h"

namespace bulkhead::lbsync {

class StateSource {
 public:
  // Called with the object's ID and its endpoints now (empty: the object has none any more).
  using ChangeHandler = std::function<void(const std::string& id, const std::vector<Endpoint>&)>;

  virtual ~StateSource() = default;
  virtual std::string description() const = 0;
  virtual std::vector<Endpoint> List() = 0;
  virtual void Follow(const ChangeHandler& changed, const std::atomic<bool>& stop) = 0;
};

}  // namespace bulkhead::lbsync
