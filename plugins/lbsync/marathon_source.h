// MarathonSource: endpoints from Marathon (Mesos clusters). An app labelled with the pool label
// (`bulkhead.lb.pool`) contributes one endpoint per running task: the task's host and its port
// number `bulkhead.lb.port_index` (default 0). A task is healthy when the app has no health
// checks, or every health check result of the task is alive.
//
// Contract: List() is GET /v2/apps?embed=apps.tasks; Follow() reads the server-sent events of
// GET /v2/events and, for each status_update_event or health_status_changed_event, re-reads that
// app (GET /v2/apps/<id>?embed=app.tasks) and reports all its endpoints under the app's ID.
// Follow() returns after `idle_seconds` without data.
#pragma once

#include <memory>
#include <nlohmann/json.hpp>

#include "plugins/lbsync/source.h"

namespace httplib {
class Client;
}

namespace bulkhead::lbsync {

struct MarathonSourceSettings {
  std::string url;  // http(s)://marathon:8080
  std::string pool_label = "bulkhead.lb.pool";
  std::string port_index_label = "bulkhead.lb.port_index";
  int idle_seconds = 30;
};

class MarathonSource : public StateSource {
 public:
  explicit MarathonSource(MarathonSourceSettings settings);
  ~MarathonSource() override;

  std::string description() const override { return "marathon " + settings_.url; }
  std::vector<Endpoint> List() override;
  void Follow(const ChangeHandler& changed, const std::atomic<bool>& stop) override;

  std::vector<Endpoint> EndpointsOf(const nlohmann::json& app) const;

 private:
  MarathonSourceSettings settings_;
  std::unique_ptr<httplib::Client> client_;
};

}  // namespace bulkhead::lbsync
