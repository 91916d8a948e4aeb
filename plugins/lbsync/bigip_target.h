// BigipTarget: F5 BIG-IP LTM pool members through iControl REST (/mgmt/tm/ltm/pool), basic auth.
// A pool is `/<partition>/<pool>`; lbsync's members carry the description "bulkhead-lbsync" and
// are the only ones it lists or changes.
//
// Contract: Members() GETs the pool's members; Add() POSTs {name "addr:port", address,
// description}; Drain() PATCHes session "user-disabled" (no new connections, existing and
// persistent ones continue); Enable() PATCHes session "user-enabled"; Remove() DELETEs. A reply
// other than 200 is an error carrying the iControl message.
#pragma once

#include <memory>

#include "plugins/lbsync/target.h"

namespace httplib {
class Client;
}

namespace bulkhead::lbsync {

class BigipTarget : public LoadBalancerTarget {
 public:
  BigipTarget(const std::string& url, const std::string& user, const std::string& password,
              std::string partition = "Common");
  ~BigipTarget() override;

  std::string description() const override { return "bigip " + url_; }
  std::vector<PoolMember> Members(const std::string& pool) override;
  void Add(const std::string& pool, const Endpoint& endpoint) override;
  void Enable(const std::string& pool, const std::string& key) override;
  void Drain(const std::string& pool, const std::string& key) override;
  void Remove(const std::string& pool, const std::string& key) override;

 private:
  std::string MembersPath(const std::string& pool) const;
  std::string Call(const std::string& method, const std::string& path, const std::string& body);

  std::string url_;
  std::string partition_;
  std::unique_ptr<httplib::Client> client_;
};

}  // namespace bulkhead::lbsync
