// LoadBalancerTarget: a load balancer whose pools lbsync updates. One implementation per file:
// HAProxy Runtime API, F5 BIG-IP iControl REST, NGINX Plus API.
//
// Contract: Members() lists the members of `pool` that lbsync manages (HAProxy servers named
// with its prefix, BIG-IP members with its description; an NGINX upstream given to lbsync is
// its own entirely). Add() puts a member in, accepting traffic; Enable() takes a draining member
// back; Drain() stops new connections while existing ones finish; Remove() deletes a member.
// Each throws std::runtime_error with the balancer's own error text; a failed call changes
// nothing lbsync relies on (the next pass retries).
#pragma once

#include <string>
#include <vector>

#include "plugins/lbsync/member.h"

namespace bulkhead::lbsync {

class LoadBalancerTarget {
 public:
  virtual ~LoadBalancerTarget() = default;
  virtual std::string description() const = 0;
  virtual std::vector<PoolMember> Members(const std::string& pool) = 0;
  virtual void Add(const std::string& pool, const Endpoint& endpoint) = 0;
  virtual void Enable(const std::string& pool, const std::string& key) = 0;
  virtual void Drain(const std::string& pool, const std::string& key) = 0;
  virtual void Remove(const std::string& pool, const std::string& key) = 0;
};

}  // namespace bulkhead::lbsync
