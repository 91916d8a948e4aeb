// HaproxyTarget: HAProxy's Runtime API (the stats socket, `level admin`), HAProxy 2.4 or later
// for dynamic servers. A pool is a backend; lbsync's members are the servers named
// `<prefix><address>:<port>` (default prefix "lbs-"), so servers written in haproxy.cfg by hand
// are never touched.
//
// Contract: Members() is `show servers state <backend>`; Add() is `add server` + `enable server`
// (dynamic servers start in maintenance); Drain() is `set server ... state drain`; Enable() is
// `state ready`; Remove() is `state maint` + `del server` (HAProxy refuses while connections
// remain: the error is thrown and the next pass retries). One connection per command; an answer
// other than the command's success text is an error carrying HAProxy's words.
#pragma once

#include "plugins/lbsync/target.h"

namespace bulkhead::lbsync {

class HaproxyTarget : public LoadBalancerTarget {
 public:
  // `address`: a unix socket path, or "tcp:HOST:PORT".
  explicit HaproxyTarget(std::string address, std::string prefix = "lbs-");

  std::string description() const override { return "haproxy " + address_; }
  std::vector<PoolMember> Members(const std::string& pool) override;
  void Add(const std::string& pool, const Endpoint& endpoint) override;
  void Enable(const std::string& pool, const std::string& key) override;
  void Drain(const std::string& pool, const std::string& key) override;
  void Remove(const std::string& pool, const std::string& key) override;

  // Sends one Runtime API command and returns HAProxy's answer.
  std::string Command(const std::string& command) const;

 private:
  void Expect(const std::string& command, const std::string& success) const;
  std::string ServerName(const std::string& key) const { return prefix_ + key; }

  std::string address_;
  std::string prefix_;
};

}  // namespace bulkhead::lbsync
