#include "plugins/lbsync/http_json.h"

namespace bulkhead::lbsync {

nlohmann::json GetJson(httplib::Client& client, const std::string& what, const std::string& path) {
  auto reply = client.Get(path);
  if (!reply)
    throw std::runtime_error(what + ": GET " + path + ": " + httplib::to_string(reply.error()));
  if (reply->status == 404) return nullptr;
  if (reply->status != 200)
    throw std::runtime_error(what + ": GET " + path + ": HTTP " + std::to_string(reply->status) +
                             ": " + reply->body);
  return nlohmann::json::parse(reply->body);
}

bool Reachable(httplib::Client& client, const std::string& path) {
  auto reply = client.Get(path);
  return reply && reply->status == 200;
}

httplib::Result SendJson(httplib::Client& client, const std::string& what,
                         const std::string& method, const std::string& path,
                         const std::string& body) {
  httplib::Result result = method == "GET"     ? client.Get(path)
                           : method == "POST"  ? client.Post(path, body, "application/json")
                           : method == "PATCH" ? client.Patch(path, body, "application/json")
                                               : client.Delete(path);
  if (!result)
    throw std::runtime_error(what + ": " + method + " " + path + ": " +
                             httplib::to_string(result.error()));
  return result;
}

}  // namespace bulkhead::lbsync
