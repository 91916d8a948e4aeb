// NginxTarget: NGINX Plus upstream servers through its REST API (/api/<version>/http/upstreams).
// The API has no owner field, so an upstream given to lbsync is lbsync's entirely: keep
// hand-written servers in other upstreams.
//
// Contract: Members() GETs the upstream's servers; Add() POSTs {"server": "addr:port"}; Drain()
// PATCHes {"drain": true} (existing and sticky sessions finish; no new ones); Enable() PATCHes
// {"drain": false, "down": false}; Remove() DELETEs by the server's id. Non-2xx replies are
// errors carrying NGINX's error text.
#pragma once

#include <memory>

#include "plugins/lbsync/target.h"

namespace httplib {
class Client;
}

namespace bulkhead::lbsync {

class NginxTarget : public LoadBalancerTarget {
 public:
  explicit NginxTarget(const std::string& url, int api_version = 9);
  ~NginxTarget() override;

  std::string description() const override { return "nginx " + url_; }
  std::vector<PoolMember> Members(const std::string& pool) override;
  void Add(const std::string& pool, const Endpoint& endpoint) override;
  void Enable(const std::string& pool, const std::string& key) override;
  void Drain(const std::string& pool, const std::string& key) override;
  void Remove(const std::string& pool, const std::string& key) override;

 private:
  std::string ServersPath(const std::string& pool) const;
  std::string Call(const std::string& method, const std::string& path, const std::string& body);
  int ServerId(const std::string& pool, const std::string& key);

  std::string url_;
  int api_version_;
  std::unique_ptr<httplib::Client> client_;
};

}  // namespace bulkhead::lbsync
