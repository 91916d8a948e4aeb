// Reconciler: keeps the target's pools in step with the endpoints the source reports.
//
// Contract:
//  - Replace() installs a full listing (resynchronisation); Update() replaces the endpoints of
//    one source object (a container, a Marathon app) after an event; SourceLost() records that
//    the source is unreachable. Until the next Replace(), nothing is removed or drained: a member
//    is never taken out because lbsync cannot see the source.
//  - Pass() compares, for every managed pool, the wanted members (healthy endpoints, not damped)
//    with Members() of the target: a missing one is added, a draining one wanted again is
//    enabled, one no longer wanted is drained first and removed `drain_seconds` later.
//  - Damping: an endpoint whose wanted state flipped more than `flap_limit` times within
//    `flap_window_seconds` is held out (drained) until it has been stable for `hold_seconds`.
//  - Every change is logged and counted (Counters()); a failing call is counted as an error and
//    retried on the next pass. Endpoints of pools not listed in `pools` are ignored (logged once).
// Thread-safe: the source thread calls Replace/Update/SourceLost, the pass thread Pass().
#pragma once

#include <chrono>
#include <deque>
#include <functional>
#include <map>
#include <mutex>
#include <set>
#include <string>
#include <vector>

#include "plugins/lbsync/member.h"
#include "plugins/lbsync/target.h"

namespace bulkhead::lbsync {

struct ReconcilerSettings {
  std::set<std::string> pools;
  int drain_seconds = 10;
  int flap_limit = 4;
  int flap_window_seconds = 60;
  int hold_seconds = 30;
};

struct Counters {
  uint64_t added = 0, enabled = 0, drained = 0, removed = 0, damped = 0, errors = 0, resyncs = 0;
};

class Reconciler {
 public:
  using Clock = std::chrono::steady_clock;

  Reconciler(LoadBalancerTarget& target, ReconcilerSettings settings);

  void Replace(const std::vector<Endpoint>& endpoints);
  void Update(const std::string& object_id, const std::vector<Endpoint>& endpoints);
  void SourceLost();
  // One reconciliation of every pool; `now` is injectable for tests.
  void Pass(Clock::time_point now = Clock::now());
  Counters counters() const;
  bool source_reachable() const;

 private:
  struct History {
    bool wanted = false;
    std::deque<Clock::time_point> flips;
    Clock::time_point held_until{};
  };
  // pool -> key -> endpoint, from the current source view (requires mutex_).
  std::map<std::string, std::map<std::string, Endpoint>> Wanted(Clock::time_point now);
  void ReconcilePool(const std::string& pool, const std::map<std::string, Endpoint>& wanted,
                     bool may_remove, Clock::time_point now);
  void Note(const std::string& key, bool wanted, Clock::time_point now);  // requires mutex_
  // Runs one change against the target, logging and counting it; false when it failed.
  bool Apply(const std::string& pool, const char* what, const std::string& key,
             uint64_t Counters::*counter, const std::function<void()>& call);

  LoadBalancerTarget& target_;
  ReconcilerSettings settings_;
  mutable std::mutex mutex_;
  std::map<std::string, std::vector<Endpoint>> objects_;  // Endpoint::object -> endpoints
  bool source_reachable_ = false;
  std::map<std::string, History> history_;                   // "pool/key"
  std::map<std::string, Clock::time_point> draining_since_;  // "pool/key"
  std::set<std::string> unknown_pools_;
  Counters counters_;
};

}  // namespace bulkhead::lbsync
