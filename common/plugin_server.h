// PluginServer: the HTTP/1.1-over-unix-socket transport of a Docker plugin.
//
// Contract:
//  - Every route is `POST /<Interface>.<Method>` with a JSON body (an empty body reads as `{}`,
//    which is what dockerd sends for Capabilities/Activate and on some retries).
//  - A JSON route returns a JSON value; a 200 reply always carries a JSON body (at least `{}`).
//  - A handler reports failure by throwing: BadRequest becomes 400, anything else 500, both with
//    the body `{"Err":"<message>"}` (the shape dockerd reads for every plugin protocol).
//  - A malformed JSON body is a 400 with an Err naming the endpoint and the parse position.
//  - `Plugin.Activate` answers with the names given to Implements() (legacy v1 plugins).
//  - Run() blocks until Stop() (safe from any thread) or SIGTERM/SIGINT via RunUntilSignal().
// Thread-safety: handlers run concurrently on a pool of worker threads; they must be thread-safe.
#pragma once

#include <httplib.h>

#include <atomic>
#include <functional>
#include <memory>
#include <nlohmann/json.hpp>
#include <set>
#include <stdexcept>
#include <string>

namespace bulkhead {

// A request the plugin cannot act on because of its content (missing field, bad option).
class BadRequest : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

class PluginServer {
 public:
  using JsonHandler = std::function<nlohmann::json(const nlohmann::json& request)>;
  // A streaming handler receives the parsed request and writes its reply body itself.
  using StreamHandler =
      std::function<void(const nlohmann::json& request, httplib::Response& response)>;

  explicit PluginServer(std::string socket_path);
  ~PluginServer();
  PluginServer(const PluginServer&) = delete;
  PluginServer& operator=(const PluginServer&) = delete;

  // Declares a protocol for Plugin.Activate ("VolumeDriver", "authz", "LogDriver").
  void Implements(const std::string& activate_name);
  // Adds `POST /<interface_name>.<method>`.
  void Route(const std::string& interface_name, const std::string& method, JsonHandler handler);
  void StreamRoute(const std::string& interface_name, const std::string& method,
                   StreamHandler handler);
  // Adds a plain GET endpoint (e.g. /metrics) answering with `content_type`.
  void Get(const std::string& path, const std::string& content_type,
           std::function<std::string()> body);

  // Binds the socket (replacing a stale socket file) and serves until Stop(). Throws on bind
  // errors.
  void Run();
  // Like Run(), but also stops on SIGTERM or SIGINT (see BlockTerminationSignals()).
  void RunUntilSignal();
  void Stop();

  const std::string& socket_path() const { return socket_path_; }
  // True while Run() is accepting connections.
  bool serving() const { return http_->is_running(); }

 private:
  void Register(const std::string& endpoint, httplib::Server::Handler handler);

  std::string socket_path_;
  std::set<std::string> implements_;
  std::unique_ptr<httplib::Server> http_;
  std::atomic<bool> run_started_{false};
  std::atomic<bool> run_finished_{false};
};

// Blocks SIGTERM/SIGINT in the calling thread and the threads it starts later, so that only
// RunUntilSignal() receives them. Call it first thing in main().
void BlockTerminationSignals();

// Parses a request body as dockerd sends it; throws BadRequest naming `endpoint` on bad JSON.
nlohmann::json ParseRequestBody(const std::string& endpoint, const std::string& body);

// Reads a required string member of a request object; throws BadRequest when missing or not a
// string.
std::string RequiredString(const nlohmann::json& request, const std::string& key);
// Reads an optional string member; "" when absent or null, BadRequest when of another type.
std::string OptionalString(const nlohmann::json& request, const std::string& key);

}  // namespace bulkhead
