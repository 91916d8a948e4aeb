#include "common/authz_api.h"

#include "common/base64.h"

namespace bulkhead {
namespace {

constexpr const char* kInterface = "AuthZPlugin";

std::string DecodedBytes(const nlohmann::json& request, const std::string& key) {
  const std::string text = OptionalString(request, key);
  try {
    return Base64Decode(text);
  } catch (const std::invalid_argument& e) {
    throw BadRequest("field \"" + key + "\": " + e.what());
  }
}

std::map<std::string, std::string> StringMap(const nlohmann::json& request,
                                             const std::string& key) {
  std::map<std::string, std::string> values;
  auto it = request.find(key);
  if (it == request.end() || it->is_null()) return values;
  if (!it->is_object()) throw BadRequest("field \"" + key + "\" must be an object of strings");
  for (const auto& [name, value] : it->items()) {
    if (!value.is_string()) throw BadRequest("field \"" + key + "." + name + "\" must be a string");
    values[name] = value.get<std::string>();
  }
  return values;
}

std::vector<std::string> Certificates(const nlohmann::json& request) {
  std::vector<std::string> pems;
  auto it = request.find("RequestPeerCertificates");
  if (it == request.end() || it->is_null()) return pems;
  if (!it->is_array()) throw BadRequest("field \"RequestPeerCertificates\" must be an array");
  for (const auto& entry : *it) {
    if (!entry.is_string()) throw BadRequest("RequestPeerCertificates entries must be strings");
    try {
      pems.push_back(Base64Decode(entry.get<std::string>()));
    } catch (const std::invalid_argument& e) {
      throw BadRequest(std::string("RequestPeerCertificates: ") + e.what());
    }
  }
  return pems;
}

nlohmann::json DecisionJson(const AuthzDecision& decision) {
  return nlohmann::json{{"Allow", decision.allow}, {"Msg", decision.message}};
}

}  // namespace

AuthzRequest ParseAuthzRequest(const nlohmann::json& request) {
  if (!request.is_object()) throw BadRequest("authorization request must be a JSON object");
  AuthzRequest parsed;
  parsed.user = OptionalString(request, "User");
  parsed.user_authn_method = OptionalString(request, "UserAuthNMethod");
  parsed.method = OptionalString(request, "RequestMethod");
  parsed.uri = OptionalString(request, "RequestUri");
  parsed.headers = StringMap(request, "RequestHeaders");
  parsed.body = DecodedBytes(request, "RequestBody");
  parsed.peer_certificates = Certificates(request);
  if (auto it = request.find("ResponseStatusCode"); it != request.end() && !it->is_null()) {
    if (!it->is_number_integer())
      throw BadRequest("field \"ResponseStatusCode\" must be an integer");
    parsed.response_status = it->get<int>();
  }
  parsed.response_headers = StringMap(request, "ResponseHeaders");
  parsed.response_body = DecodedBytes(request, "ResponseBody");
  return parsed;
}

void AddAuthzRoutes(PluginServer& server, Authorizer& authorizer) {
  server.Implements("authz");
  server.Route(kInterface, "AuthZReq", [&authorizer](const nlohmann::json& request) {
    return DecisionJson(authorizer.AuthorizeRequest(ParseAuthzRequest(request)));
  });
  server.Route(kInterface, "AuthZRes", [&authorizer](const nlohmann::json& request) {
    return DecisionJson(authorizer.AuthorizeResponse(ParseAuthzRequest(request)));
  });
}

}  // namespace bulkhead
