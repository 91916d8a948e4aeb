#include "plugins/lbsync/reconciler.h"

#include <spdlog/spdlog.h>

namespace bulkhead::lbsync {

Reconciler::Reconciler(LoadBalancerTarget& target, ReconcilerSettings settings)
    : target_(target), settings_(std::move(settings)) {}

void Reconciler::Replace(const std::vector<Endpoint>& endpoints) {
  std::lock_guard<std::mutex> lock(mutex_);
  objects_.clear();
  for (const Endpoint& endpoint : endpoints) objects_[endpoint.object].push_back(endpoint);
  if (!source_reachable_)
    spdlog::info("source reachable: full listing of {} endpoints", endpoints.size());
  source_reachable_ = true;
  ++counters_.resyncs;
}

void Reconciler::Update(const std::string& object_id, const std::vector<Endpoint>& endpoints) {
  std::lock_guard<std::mutex> lock(mutex_);
  if (endpoints.empty())
    objects_.erase(object_id);
  else
    objects_[object_id] = endpoints;
}

void Reconciler::SourceLost() {
  std::lock_guard<std::mutex> lock(mutex_);
  if (source_reachable_)
    spdlog::warn("source unreachable: members stay until a full listing succeeds");
  source_reachable_ = false;
}

Counters Reconciler::counters() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return counters_;
}

bool Reconciler::source_reachable() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return source_reachable_;
}

void Reconciler::Note(const std::string& key, bool wanted, Clock::time_point now) {
  History& history = history_[key];
  if (history.wanted == wanted) return;
  history.wanted = wanted;
  history.flips.push_back(now);
  const auto window = std::chrono::seconds(settings_.flap_window_seconds);
  while (!history.flips.empty() && now - history.flips.front() > window) history.flips.pop_front();
  if (static_cast<int>(history.flips.size()) > settings_.flap_limit) {
    if (history.held_until <= now) {
      spdlog::warn("{} flapped {} times in {} s: held out for {} s", key, history.flips.size(),
                   settings_.flap_window_seconds, settings_.hold_seconds);
      ++counters_.damped;
    }
    history.held_until = now + std::chrono::seconds(settings_.hold_seconds);
  }
}

std::map<std::string, std::map<std::string, Endpoint>> Reconciler::Wanted(Clock::time_point now) {
  std::map<std::string, std::map<std::string, Endpoint>> wanted;
  std::set<std::string> seen;
  for (const auto& [id, endpoints] : objects_)
    for (const Endpoint& endpoint : endpoints) {
      if (settings_.pools.count(endpoint.pool) == 0) {
        if (unknown_pools_.insert(endpoint.pool).second)
          spdlog::warn("pool {} (from {}) is not managed: add it to lbsync.pools", endpoint.pool,
                       endpoint.name);
        continue;
      }
      const std::string history_key = endpoint.pool + "/" + endpoint.key();
      if (!endpoint.healthy) continue;
      seen.insert(history_key);
      wanted[endpoint.pool][endpoint.key()] = endpoint;
    }
  for (auto& [key, history] : history_) Note(key, seen.count(key) != 0, now);
  for (const std::string& key : seen) Note(key, true, now);
  const auto window = std::chrono::seconds(settings_.flap_window_seconds);
  for (auto it = history_.begin(); it != history_.end();) {  // forget long-gone endpoints
    const bool quiet = it->second.flips.empty() || now - it->second.flips.back() > window;
    it = !it->second.wanted && quiet && it->second.held_until <= now ? history_.erase(it)
                                                                     : std::next(it);
  }
  for (auto& [pool, members] : wanted)
    for (auto it = members.begin(); it != members.end();)
      it = history_[pool + "/" + it->first].held_until > now ? members.erase(it) : std::next(it);
  return wanted;
}

void Reconciler::Pass(Clock::time_point now) {
  std::map<std::string, std::map<std::string, Endpoint>> wanted;
  bool may_remove = false;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    may_remove = source_reachable_;
    if (may_remove) wanted = Wanted(now);
  }
  for (const std::string& pool : settings_.pools)
    ReconcilePool(pool, wanted[pool], may_remove, now);
}

void Reconciler::ReconcilePool(const std::string& pool,
                               const std::map<std::string, Endpoint>& wanted, bool may_remove,
                               Clock::time_point now) {
  if (!may_remove) return;  // without a source view, leave every member as it is
  std::map<std::string, PoolMember> present;
  try {
    for (const PoolMember& member : target_.Members(pool)) present[member.key] = member;
  } catch (const std::exception& e) {
    spdlog::error("listing pool {}: {}", pool, e.what());
    std::lock_guard<std::mutex> lock(mutex_);
    ++counters_.errors;
    return;
  }
  for (const auto& entry : wanted) {
    const std::string& key = entry.first;
    auto it = present.find(key);
    draining_since_.erase(pool + "/" + key);
    if (it == present.end())
      Apply(pool, "added", key, &Counters::added, [&] { target_.Add(pool, entry.second); });
    else if (it->second.draining)
      Apply(pool, "enabled", key, &Counters::enabled, [&] { target_.Enable(pool, key); });
  }
  for (const auto& entry : present) {
    const std::string& key = entry.first;
    if (wanted.count(key) != 0) continue;
    const std::string drain_key = pool + "/" + key;
    if (!entry.second.draining) {
      if (Apply(pool, "drained", key, &Counters::drained, [&] { target_.Drain(pool, key); }))
        draining_since_[drain_key] = now;
      continue;
    }
    auto since = draining_since_.emplace(drain_key, now).first;  // draining before a restart
    if (now - since->second >= std::chrono::seconds(settings_.drain_seconds) &&
        Apply(pool, "removed", key, &Counters::removed, [&] { target_.Remove(pool, key); }))
      draining_since_.erase(drain_key);
  }
}

bool Reconciler::Apply(const std::string& pool, const char* what, const std::string& key,
                       uint64_t Counters::*counter, const std::function<void()>& call) {
  try {
    call();
    spdlog::info("pool {}: {} {}", pool, what, key);
    std::lock_guard<std::mutex> lock(mutex_);
    ++(counters_.*counter);
    return true;
  } catch (const std::exception& e) {
    spdlog::error("pool {}: {} {} failed: {}", pool, what, key, e.what());
    std::lock_guard<std::mutex> lock(mutex_);
    ++counters_.errors;
    return false;
  }
}

}  // namespace bulkhead::lbsync
