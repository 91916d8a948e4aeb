#include "plugins/secrets/envelope_store.h"

#include <openssl/crypto.h>

#include <nlohmann/json.hpp>

#include "common/base64.h"

namespace bulkhead::secrets {
namespace {

// Wipes a JSON text holding plaintext when it goes out of scope.
struct WipedText {
  std::string text;
  ~WipedText() { OPENSSL_cleanse(text.data(), text.size()); }
};

std::string Payload(uint64_t version, const std::map<std::string, std::string>& data) {
  nlohmann::json encoded = nlohmann::json::object();
  for (const auto& [key, value] : data) encoded[key] = Base64Encode(value);
  return nlohmann::json{{"version", version}, {"data", encoded}}.dump();
}

SecretSet ParsePayload(const std::string& path, const std::string& text) {
  try {
    const auto payload = nlohmann::json::parse(text);
    SecretSet set;
    set.version = std::to_string(payload.at("version").get<uint64_t>());
    for (const auto& [key, value] : payload.at("data").items())
      set.data[key] = Base64Decode(value.get<std::string>());
    return set;
  } catch (const std::exception& e) {
    throw std::runtime_error("secret " + path + ": unreadable payload: " + e.what());
  }
}

}  // namespace

void CheckSecretPath(const std::string& path) {
  const bool bad_shape = path.empty() || path.size() > 200 || path.front() == '/' ||
                         path.back() == '/' || path.find("//") != std::string::npos ||
                         path.find("..") != std::string::npos;
  const bool bad_char = path.find_first_not_of(
                            "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
                            "0123456789._/-") != std::string::npos;
  if (bad_shape || bad_char)
    throw std::invalid_argument("secret path \"" + path +
                                "\" must be 1-200 characters of A-Z a-z 0-9 . _ / - without "
                                "\"..\", leading, trailing or doubled '/'");
}

std::string SecretBackend::ReadWrapped(const std::string& /*path*/, int64_t /*ttl_seconds*/) {
  throw std::invalid_argument("backend " + name() + " has no wrapped (single-use) delivery");
}

EnvelopeStore::EnvelopeStore(std::unique_ptr<BlobStore> blobs, MasterKeyring keyring)
    : blobs_(std::move(blobs)), keyring_(std::move(keyring)) {}

SecretSet EnvelopeStore::Read(const std::string& path) {
  CheckSecretPath(path);
  const auto blob = blobs_->Get(path);
  if (!blob) throw SecretNotFound("no secret " + path + " in " + name());
  try {
    const WipedText payload{Open(keyring_, path, *blob)};
    return ParsePayload(path, payload.text);
  } catch (const EnvelopeError& e) {
    throw std::runtime_error("secret " + path + " in " + name() + ": " + e.what());
  }
}

std::string EnvelopeStore::Store(const std::string& path, uint64_t version,
                                 const std::map<std::string, std::string>& data) {
  const WipedText payload{Payload(version, data)};
  blobs_->Put(path, Seal(keyring_, path, payload.text));
  return std::to_string(version);
}

std::string EnvelopeStore::Put(const std::string& path,
                               const std::map<std::string, std::string>& data) {
  CheckSecretPath(path);
  uint64_t version = 1;
  try {
    version = std::stoull(Read(path).version) + 1;
  } catch (const SecretNotFound&) {
  }
  return Store(path, version, data);
}

std::string EnvelopeStore::Rotate(const std::string& path) {
  const SecretSet current = Read(path);
  return Store(path, std::stoull(current.version) + 1, current.data);
}

bool EnvelopeStore::Remove(const std::string& path) {
  CheckSecretPath(path);
  return blobs_->Remove(path);
}

std::vector<std::string> EnvelopeStore::List(const std::string& prefix) {
  std::vector<std::string> paths;
  for (const std::string& path : blobs_->List())
    if (path.rfind(prefix, 0) == 0) paths.push_back(path);
  return paths;
}

size_t EnvelopeStore::RotateMaster() {
  size_t changed = 0;
  for (const std::string& path : blobs_->List()) {
    const auto blob = blobs_->Get(path);
    if (!blob || MasterKeyId(*blob) == keyring_.current().id) continue;
    blobs_->Put(path, Rewrap(keyring_, path, *blob));
    ++changed;
  }
  return changed;
}

}  // namespace bulkhead::secrets
