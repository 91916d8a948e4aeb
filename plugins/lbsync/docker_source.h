// DockerSource: endpoints from the Docker engine. A running container that carries the pool
// label (default `bulkhead.lb.pool=web`) and the port label (`bulkhead.lb.port=8080`) is an
// endpoint; it is healthy when it has no healthcheck, or its healthcheck says healthy. Its
// address is its first network's IP, or `host_address` for --network host containers.
//
// Contract: List() is one GET /containers/json plus one inspect per labelled container; Follow()
// reads GET /events (container start/die/stop/kill/pause/unpause/destroy/health_status of
// labelled containers), asking for events since just before the last List() so nothing falls
// between the two, and re-inspects the container each event names. Follow() returns after
// `idle_seconds` without an event (the caller resynchronises and follows again).
#pragma once

#include <memory>
#include <nlohmann/json.hpp>

#include "plugins/lbsync/source.h"

namespace httplib {
class Client;
}

namespace bulkhead::lbsync {

struct DockerSourceSettings {
  std::string socket = "/var/run/docker.sock";
  std::string pool_label = "bulkhead.lb.pool";
  std::string port_label = "bulkhead.lb.port";
  std::string host_address = "127.0.0.1";
  int idle_seconds = 30;
};

class DockerSource : public StateSource {
 public:
  explicit DockerSource(DockerSourceSettings settings);
  ~DockerSource() override;

  std::string description() const override { return "docker " + settings_.socket; }
  std::vector<Endpoint> List() override;
  void Follow(const ChangeHandler& changed, const std::atomic<bool>& stop) override;

  // The endpoint an inspected container is (none when it is not running or lacks the labels).
  std::vector<Endpoint> EndpointsOf(const nlohmann::json& inspected) const;

 private:
  std::vector<Endpoint> Inspect(const std::string& id);

  DockerSourceSettings settings_;
  std::unique_ptr<httplib::Client> client_;
  std::string listed_since_;  // engine time just before the last List(), for /events?since=
};

}  // namespace bulkhead::lbsync
