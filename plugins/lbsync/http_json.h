// The HTTP calls lbsync's sources and targets share (httplib clients they own).
#pragma once

#include <httplib.h>

#include <nlohmann/json.hpp>
#include <string>

namespace bulkhead::lbsync {

// GET `path` as JSON: null for 404; throws std::runtime_error naming `what`, the path and the
// status (with the body) or the transport error.
nlohmann::json GetJson(httplib::Client& client, const std::string& what, const std::string& path);

// True when GET `path` answers 200: tells an idle stream that timed out from a lost source.
bool Reachable(httplib::Client& client, const std::string& path);

// Sends GET, POST, PATCH or DELETE (any other method) with a JSON body; throws
// std::runtime_error naming `what` on a transport error, returns the response otherwise.
httplib::Result SendJson(httplib::Client& client, const std::string& what,
                         const std::string& method, const std::string& path,
                         const std::string& body);

}  // namespace bulkhead::lbsync
