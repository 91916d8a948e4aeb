#include "plugins/secrets/vault_backend.h"

#include <httplib.h>
#include <openssl/crypto.h>
#include <spdlog/spdlog.h>

#include <nlohmann/json.hpp>

#include "common/atomic_file.h"

namespace bulkhead::secrets {
namespace {

std::string ReadTrimmed(const std::string& path, const char* what) {
  auto text = ReadFileIfExists(path);
  if (!text) throw std::runtime_error(std::string("cannot read Vault ") + what + " file " + path);
  std::string value = std::move(*text);
  while (!value.empty() && (value.back() == '\n' || value.back() == ' ')) value.pop_back();
  return value;
}

std::string Errors(const nlohmann::json& body) {
  std::string text;
  if (body.is_object() && body.contains("errors") && body.at("errors").is_array())
    for (const auto& error : body.at("errors"))
      text += (text.empty() ? "" : "; ") +
              (error.is_string() ? error.get<std::string>() : error.dump());
  return text.empty() ? "no error text" : text;
}

}  // namespace

struct VaultBackend::Reply {
  int status = 0;
  nlohmann::json body;
};

VaultBackend::VaultBackend(VaultSettings settings) : settings_(std::move(settings)) {
  if (settings_.address.empty()) throw std::invalid_argument("vault: no address configured");
  client_ = std::make_unique<httplib::Client>(settings_.address);
  client_->set_connection_timeout(5);
  client_->set_read_timeout(10);
  if (!settings_.ca_file.empty()) client_->set_ca_cert_path(settings_.ca_file);
  client_->enable_server_certificate_verification(true);
  Login();
  renewer_ = std::thread([this] { RenewLoop(); });
}

VaultBackend::~VaultBackend() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  if (renewer_.joinable()) renewer_.join();
  OPENSSL_cleanse(token_.data(), token_.size());
}

VaultBackend::Reply VaultBackend::Call(const std::string& method, const std::string& path,
                                       const std::string& body, int64_t wrap_ttl) {
  httplib::Headers headers;
  std::unique_lock<std::mutex> lock(mutex_);
  if (!token_.empty()) headers.emplace("X-Vault-Token", token_);
  if (!settings_.namespace_name.empty())
    headers.emplace("X-Vault-Namespace", settings_.namespace_name);
  if (wrap_ttl > 0) headers.emplace("X-Vault-Wrap-TTL", std::to_string(wrap_ttl));
  const std::string url = "/v1/" + path;
  auto result = method == "GET" ? client_->Get(url, headers)
                                : client_->Post(url, headers, body, "application/json");
  lock.unlock();
  if (!result)
    throw std::runtime_error("vault " + settings_.address + ": " + method + " " + path + ": " +
                             httplib::to_string(result.error()));
  Reply reply;
  reply.status = result->status;
  if (!result->body.empty()) reply.body = nlohmann::json::parse(result->body, nullptr, false);
  return reply;
}

void VaultBackend::Login() {
  if (!settings_.token_file.empty()) {
    const std::string token = ReadTrimmed(settings_.token_file, "token");
    {
      std::lock_guard<std::mutex> lock(mutex_);
      token_ = token;
    }
    const Reply lookup = Call("GET", "auth/token/lookup-self", "");
    if (lookup.status != 200)
      throw std::runtime_error("vault token lookup failed (" + std::to_string(lookup.status) +
                               "): " + Errors(lookup.body));
    std::lock_guard<std::mutex> lock(mutex_);
    ttl_seconds_ = lookup.body["data"].value("ttl", 0);
    renewable_ = lookup.body["data"].value("renewable", false);
    return;
  }
  if (settings_.role_id_file.empty())
    throw std::invalid_argument("vault: set token_file or role_id_file + secret_id_file");
  const nlohmann::json credentials = {
      {"role_id", ReadTrimmed(settings_.role_id_file, "role_id")},
      {"secret_id", ReadTrimmed(settings_.secret_id_file, "secret_id")}};
  {
    std::lock_guard<std::mutex> lock(mutex_);
    token_.clear();
  }
  const Reply login = Call("POST", "auth/approle/login", credentials.dump());
  if (login.status != 200 || !login.body.contains("auth"))
    throw std::runtime_error("vault AppRole login failed (" + std::to_string(login.status) +
                             "): " + Errors(login.body));
  const auto& auth = login.body.at("auth");
  std::lock_guard<std::mutex> lock(mutex_);
  token_ = auth.value("client_token", "");
  ttl_seconds_ = auth.value("lease_duration", 0);
  renewable_ = auth.value("renewable", false);
  spdlog::info("vault: AppRole login, token accessor {}, ttl {} s", auth.value("accessor", "?"),
               ttl_seconds_);
}

void VaultBackend::RenewLoop() {
  std::unique_lock<std::mutex> lock(mutex_);
  while (!stopping_) {
    const int64_t wait = ttl_seconds_ > 0 ? std::max<int64_t>(1, ttl_seconds_ * 2 / 3) : 3600;
    if (wake_.wait_for(lock, std::chrono::seconds(wait), [this] { return stopping_; })) return;
    const bool renewable = renewable_;
    lock.unlock();
    try {
      const Reply renewed = renewable ? Call("POST", "auth/token/renew-self", "{}") : Reply{};
      if (renewed.status == 200 && renewed.body.contains("auth")) {
        std::lock_guard<std::mutex> relock(mutex_);
        ttl_seconds_ = renewed.body["auth"].value("lease_duration", ttl_seconds_);
      } else {
        Login();
      }
    } catch (const std::exception& e) {
      spdlog::error("vault: token renewal and login failed: {}", e.what());
    }
    lock.lock();
  }
}

VaultBackend::Reply VaultBackend::CallWithRelogin(const std::string& method,
                                                  const std::string& path, int64_t wrap_ttl) {
  Reply reply = Call(method, path, "", wrap_ttl);
  if (reply.status == 403 && !settings_.role_id_file.empty()) {
    Login();
    reply = Call(method, path, "", wrap_ttl);
  }
  if (reply.status == 404)
    throw SecretNotFound("no secret " + path + " in vault " + settings_.address);
  if (reply.status != 200)
    throw std::runtime_error("vault " + path + ": HTTP " + std::to_string(reply.status) + ": " +
                             Errors(reply.body));
  return reply;
}

SecretSet VaultBackend::Read(const std::string& path) {
  const Reply reply = CallWithRelogin("GET", settings_.kv_mount + "/data/" + path);
  const auto& data = reply.body["data"];
  if (!data.contains("data") || !data.at("data").is_object())
    throw SecretNotFound("secret " + path + " in vault is deleted or destroyed");
  SecretSet set;
  set.version = std::to_string(data["metadata"].value("version", 0));
  for (const auto& [key, value] : data.at("data").items())
    set.data[key] = value.is_string() ? value.get<std::string>() : value.dump();
  return set;
}

std::string VaultBackend::CurrentVersion(const std::string& path) {
  const Reply reply = CallWithRelogin("GET", settings_.kv_mount + "/metadata/" + path);
  return std::to_string(reply.body["data"].value("current_version", 0));
}

std::string VaultBackend::ReadWrapped(const std::string& path, int64_t ttl_seconds) {
  const Reply reply = CallWithRelogin("GET", settings_.kv_mount + "/data/" + path, ttl_seconds);
  if (!reply.body.contains("wrap_info") || !reply.body["wrap_info"].is_object())
    throw std::runtime_error("vault did not wrap the read of " + path);
  return reply.body["wrap_info"].value("token", "");
}

}  // namespace bulkhead::secrets
