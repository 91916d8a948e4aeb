// Authorization protocol (docker.authz/1.0): the routes and the authorizer interface.
//
// Contract: AddAuthzRoutes() decodes `/AuthZPlugin.AuthZReq` and `/AuthZPlugin.AuthZRes` with the
// daemon's real keys (RequestUri, RequestHeaders, base64 RequestBody/ResponseBody, base64-of-PEM
// RequestPeerCertificates) into AuthzRequest, and replies `{"Allow","Msg"}`. An authorizer that
// throws makes the daemon fail the API call (fail closed) with the exception's text as Err.
// A request whose base64 fields do not decode is refused with an error, never allowed.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "common/plugin_server.h"

namespace bulkhead {

struct AuthzRequest {
  std::string user;               // TLS client certificate CN; empty over the unix socket
  std::string user_authn_method;  // "TLS" or empty
  std::string method;             // GET, POST, ...
  std::string uri;  // raw request target with query, e.g. /v1.41/containers/create?name=x
  std::map<std::string, std::string> headers;
  std::string body;  // decoded bytes; empty when dockerd did not forward one
  std::vector<std::string> peer_certificates;  // PEM texts
  // Set on AuthZRes only.
  int response_status = 0;
  std::map<std::string, std::string> response_headers;
  std::string response_body;
};

struct AuthzDecision {
  bool allow = false;
  std::string message;  // shown to the client on deny
};

class Authorizer {
 public:
  virtual ~Authorizer() = default;
  virtual AuthzDecision AuthorizeRequest(const AuthzRequest& request) = 0;
  virtual AuthzDecision AuthorizeResponse(const AuthzRequest& request) = 0;
};

void AddAuthzRoutes(PluginServer& server, Authorizer& authorizer);

// Decodes an AuthZReq/AuthZRes body; throws BadRequest naming the bad field.
AuthzRequest ParseAuthzRequest(const nlohmann::json& request);

}  // namespace bulkhead
