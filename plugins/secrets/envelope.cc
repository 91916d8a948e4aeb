#include "plugins/secrets/envelope.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>
#include <openssl/sha.h>

#include <memory>
#include <sstream>

#include "common/atomic_file.h"
#include "common/base64.h"

namespace bulkhead::secrets {
namespace {

constexpr std::string_view kMagic = "BHS1";
constexpr size_t kKeySize = 32;
constexpr size_t kNonceSize = 12;
constexpr size_t kTagSize = 16;
constexpr std::string_view kKeyContext = "bulkhead-secrets data key:";

using CipherContext = std::unique_ptr<EVP_CIPHER_CTX, decltype(&EVP_CIPHER_CTX_free)>;

// A string that is wiped when it goes out of scope (plaintext data keys).
struct SecretBytes {
  std::string bytes;
  ~SecretBytes() { OPENSSL_cleanse(bytes.data(), bytes.size()); }
};

const unsigned char* Bytes(std::string_view text) {
  return reinterpret_cast<const unsigned char*>(text.data());
}

// nonce || ciphertext || tag
std::string GcmSeal(std::string_view key, std::string_view aad, std::string_view plaintext) {
  const std::string nonce = RandomBytes(kNonceSize);
  std::string out = nonce;
  out.resize(kNonceSize + plaintext.size() + kTagSize);
  auto* cipher_text = reinterpret_cast<unsigned char*>(out.data()) + kNonceSize;
  CipherContext context(EVP_CIPHER_CTX_new(), EVP_CIPHER_CTX_free);
  int length = 0;
  int final_length = 0;
  const bool ok = context &&
                  EVP_EncryptInit_ex(context.get(), EVP_aes_256_gcm(), nullptr, Bytes(key),
                                     Bytes(nonce)) == 1 &&
                  EVP_EncryptUpdate(context.get(), nullptr, &length, Bytes(aad),
                                    static_cast<int>(aad.size())) == 1 &&
                  EVP_EncryptUpdate(context.get(), cipher_text, &length, Bytes(plaintext),
                                    static_cast<int>(plaintext.size())) == 1 &&
                  EVP_EncryptFinal_ex(context.get(), cipher_text + length, &final_length) == 1 &&
                  EVP_CIPHER_CTX_ctrl(context.get(), EVP_CTRL_GCM_GET_TAG, kTagSize,
                                      cipher_text + plaintext.size()) == 1;
  if (!ok) throw EnvelopeError("AES-256-GCM encryption failed");
  return out;
}

std::string GcmOpen(std::string_view key, std::string_view aad, std::string_view sealed,
                    const std::string& what) {
  if (sealed.size() < kNonceSize + kTagSize) throw EnvelopeError(what + " is truncated");
  const std::string_view nonce = sealed.substr(0, kNonceSize);
  const std::string_view cipher_text =
      sealed.substr(kNonceSize, sealed.size() - kNonceSize - kTagSize);
  std::string tag(sealed.substr(sealed.size() - kTagSize));
  std::string plaintext(cipher_text.size(), '\0');
  CipherContext context(EVP_CIPHER_CTX_new(), EVP_CIPHER_CTX_free);
  int length = 0;
  int final_length = 0;
  auto* out = reinterpret_cast<unsigned char*>(plaintext.data());
  const bool ok =
      context &&
      EVP_DecryptInit_ex(context.get(), EVP_aes_256_gcm(), nullptr, Bytes(key), Bytes(nonce)) ==
          1 &&
      EVP_DecryptUpdate(context.get(), nullptr, &length, Bytes(aad),
                        static_cast<int>(aad.size())) == 1 &&
      EVP_DecryptUpdate(context.get(), out, &length, Bytes(cipher_text),
                        static_cast<int>(cipher_text.size())) == 1 &&
      EVP_CIPHER_CTX_ctrl(context.get(), EVP_CTRL_GCM_SET_TAG, kTagSize, tag.data()) == 1 &&
      EVP_DecryptFinal_ex(context.get(), out + length, &final_length) == 1;
  if (!ok) {
    OPENSSL_cleanse(plaintext.data(), plaintext.size());
    throw EnvelopeError(what + " failed authentication (wrong key, wrong name or tampered)");
  }
  return plaintext;
}

// The parsed layout: magic | u8 id length | id | sealed data key | sealed payload.
struct Blob {
  std::string key_id;
  std::string_view sealed_key;
  std::string_view sealed_payload;
};

Blob ParseBlob(std::string_view blob) {
  constexpr size_t kSealedKeySize = kNonceSize + kKeySize + kTagSize;
  if (blob.substr(0, kMagic.size()) != kMagic || blob.size() < kMagic.size() + 1)
    throw EnvelopeError("not a bulkhead secret blob (bad magic)");
  const size_t id_length = static_cast<unsigned char>(blob[kMagic.size()]);
  const size_t key_at = kMagic.size() + 1 + id_length;
  if (blob.size() < key_at + kSealedKeySize + kNonceSize + kTagSize)
    throw EnvelopeError("secret blob is truncated");
  return Blob{std::string(blob.substr(kMagic.size() + 1, id_length)),
              blob.substr(key_at, kSealedKeySize), blob.substr(key_at + kSealedKeySize)};
}

std::string KeyAad(std::string_view context) {
  return std::string(kKeyContext) + std::string(context);
}

std::string BlobHeader(const std::string& key_id) {
  if (key_id.empty() || key_id.size() > 255)
    throw EnvelopeError("master key id must be 1-255 bytes");
  return std::string(kMagic) + static_cast<char>(key_id.size()) + key_id;
}

}  // namespace

std::string RandomBytes(size_t count) {
  std::string bytes(count, '\0');
  if (RAND_bytes(reinterpret_cast<unsigned char*>(bytes.data()), static_cast<int>(count)) != 1)
    throw EnvelopeError("no random bytes from OpenSSL");
  return bytes;
}

std::string HmacSha256(std::string_view key, std::string_view message) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()), Bytes(message), message.size(),
       digest, &length);
  return std::string(reinterpret_cast<char*>(digest), length);
}

std::string Sha256Hex(std::string_view message) {
  unsigned char digest[SHA256_DIGEST_LENGTH];
  SHA256(Bytes(message), message.size(), digest);
  static constexpr char kHex[] = "0123456789abcdef";
  std::string hex;
  for (unsigned char byte : digest) {
    hex += kHex[byte >> 4];
    hex += kHex[byte & 15];
  }
  return hex;
}

MasterKeyring MasterKeyring::Parse(std::string_view text, const std::string& source) {
  MasterKeyring keyring;
  std::istringstream lines{std::string(text)};
  std::string line;
  for (int number = 1; std::getline(lines, line); ++number) {
    std::istringstream fields(line);
    MasterKey key;
    std::string encoded;
    if (!(fields >> key.id) || key.id[0] == '#') continue;
    const std::string where = source + ":" + std::to_string(number);
    if (!(fields >> encoded)) throw EnvelopeError(where + ": expected \"<id> <base64 key>\"");
    try {
      key.bytes = Base64Decode(encoded);
    } catch (const std::invalid_argument& e) {
      throw EnvelopeError(where + ": key is not base64: " + e.what());
    }
    if (key.bytes.size() != kKeySize) throw EnvelopeError(where + ": key must be 32 bytes");
    keyring.keys_.push_back(std::move(key));
  }
  if (keyring.keys_.empty()) throw EnvelopeError(source + ": no master key");
  return keyring;
}

MasterKeyring MasterKeyring::FromFile(const std::string& path) {
  const auto text = ReadFileIfExists(path);
  if (!text) throw EnvelopeError("cannot read master key file " + path + ": no such file");
  return Parse(*text, path);
}

std::string MasterKeyring::GenerateKeyLine(const std::string& id) {
  return id + " " + Base64Encode(RandomBytes(kKeySize)) + "\n";
}

const MasterKey& MasterKeyring::Find(const std::string& id) const {
  for (const MasterKey& key : keys_)
    if (key.id == id) return key;
  throw EnvelopeError("secret is sealed with master key \"" + id + "\", which the keyring lacks");
}

std::string Seal(const MasterKeyring& keyring, std::string_view context,
                 std::string_view plaintext) {
  const SecretBytes data_key{RandomBytes(kKeySize)};
  const MasterKey& master = keyring.current();
  return BlobHeader(master.id) + GcmSeal(master.bytes, KeyAad(context), data_key.bytes) +
         GcmSeal(data_key.bytes, context, plaintext);
}

std::string Open(const MasterKeyring& keyring, std::string_view context, std::string_view blob) {
  const Blob parsed = ParseBlob(blob);
  const SecretBytes data_key{GcmOpen(keyring.Find(parsed.key_id).bytes, KeyAad(context),
                                     parsed.sealed_key, "secret data key")};
  return GcmOpen(data_key.bytes, context, parsed.sealed_payload, "secret payload");
}

std::string Rewrap(const MasterKeyring& keyring, std::string_view context, std::string_view blob) {
  const Blob parsed = ParseBlob(blob);
  const SecretBytes data_key{GcmOpen(keyring.Find(parsed.key_id).bytes, KeyAad(context),
                                     parsed.sealed_key, "secret data key")};
  const MasterKey& master = keyring.current();
  return BlobHeader(master.id) + GcmSeal(master.bytes, KeyAad(context), data_key.bytes) +
         std::string(parsed.sealed_payload);
}

std::string MasterKeyId(std::string_view blob) { return ParseBlob(blob).key_id; }

}  // namespace bulkhead::secrets
