// S3 sink: each batch becomes one gzip-compressed NDJSON object, PUT with AWS Signature
// Version 4 (path-style URLs, so any S3 endpoint works: AWS, radosgw, MinIO). The object key is
// the key template (strftime of the batch's first event, {name} and {id} for the container)
// followed by the first event's time and the batch size: a batch sent again after a failure
// overwrites its own object instead of adding a duplicate.
#include <httplib.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/sha.h>

#include <stdexcept>

#include "plugins/logs/compress.h"
#include "plugins/logs/event_json.h"
#include "plugins/logs/sink.h"

namespace bulkhead::logs {
namespace {

std::string Hex(const unsigned char* bytes, size_t size) {
  static const char* kDigits = "0123456789abcdef";
  std::string out;
  for (size_t i = 0; i < size; ++i) {
    out += kDigits[bytes[i] >> 4];
    out += kDigits[bytes[i] & 15];
  }
  return out;
}

std::string Sha256Hex(std::string_view data) {
  unsigned char digest[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char*>(data.data()), data.size(), digest);
  return Hex(digest, sizeof(digest));
}

std::string HmacSha256(std::string_view key, std::string_view data) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()),
       reinterpret_cast<const unsigned char*>(data.data()), data.size(), digest, &length);
  return std::string(reinterpret_cast<char*>(digest), length);
}

// RFC 3986 percent-encoding as SigV4 wants it for paths: '/' kept.
std::string UriEncodePath(const std::string& path) {
  std::string out;
  for (unsigned char c : path) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~' || c == '/') {
      out += static_cast<char>(c);
    } else {
      char escaped[4];
      std::snprintf(escaped, sizeof(escaped), "%%%02X", c);
      out += escaped;
    }
  }
  return out;
}

std::string Replace(std::string text, const std::string& from, const std::string& to) {
  for (size_t at = text.find(from); at != std::string::npos; at = text.find(from, at + to.size()))
    text.replace(at, from.size(), to);
  return text;
}

class S3Sink : public LogSink {
 public:
  explicit S3Sink(const S3Options& options) : options_(options), client_(options.endpoint) {
    client_.set_connection_timeout(5);
    client_.set_read_timeout(60);
    const size_t scheme = options.endpoint.find("://");
    host_ = options.endpoint.substr(scheme == std::string::npos ? 0 : scheme + 3);
    if (!host_.empty() && host_.back() == '/') host_.pop_back();
  }

  std::string name() const override { return "s3"; }
  size_t max_batch() const override { return 10000; }

  void Send(const std::vector<LogEntry>& batch, const ContainerMeta& meta) override {
    std::string ndjson;
    for (const LogEntry& entry : batch) ndjson += EventDocument(entry, meta).dump() + "\n";
    const std::string body = Compress(ndjson, Framing::kGzip);
    const std::string path = "/" + options_.bucket + "/" + ObjectKey(batch, meta);
    const auto response = client_.Put(UriEncodePath(path), SignedHeaders("PUT", path, body), body,
                                      "application/gzip");
    if (!response)
      throw std::runtime_error("s3 " + options_.endpoint + ": " + to_string(response.error()));
    if (response->status != 200) {
      throw std::runtime_error("s3 PUT " + path + ": HTTP " + std::to_string(response->status) +
                               ": " + response->body.substr(0, 300));
    }
  }

 private:
  std::string ObjectKey(const std::vector<LogEntry>& batch, const ContainerMeta& meta) const {
    const int64_t first = batch.front().time_nano;
    std::string key = FormatUtc(options_.key_template, first);
    key = Replace(Replace(key, "{name}", meta.container_name), "{id}", meta.container_id);
    return key + std::to_string(first) + "-" + std::to_string(batch.size()) + ".ndjson.gz";
  }

  httplib::Headers SignedHeaders(const std::string& method, const std::string& path,
                                 const std::string& body) const {
    const std::time_t now = std::time(nullptr);
    std::tm utc{};
    gmtime_r(&now, &utc);
    char amz_date[32];
    std::strftime(amz_date, sizeof(amz_date), "%Y%m%dT%H%M%SZ", &utc);
    const std::string date(amz_date, 8);
    const std::string payload_hash = Sha256Hex(body);
    const std::string signed_headers = "host;x-amz-content-sha256;x-amz-date";
    const std::string canonical = method + "\n" + UriEncodePath(path) + "\n\n" + "host:" + host_ +
                                  "\nx-amz-content-sha256:" + payload_hash +
                                  "\nx-amz-date:" + amz_date + "\n\n" + signed_headers + "\n" +
                                  payload_hash;
    const std::string scope = date + "/" + options_.region + "/s3/aws4_request";
    const std::string to_sign =
        std::string("AWS4-HMAC-SHA256\n") + amz_date + "\n" + scope + "\n" + Sha256Hex(canonical);
    std::string key = HmacSha256("AWS4" + options_.secret_key, date);
    key = HmacSha256(HmacSha256(HmacSha256(key, options_.region), "s3"), "aws4_request");
    const std::string signature = HmacSha256(key, to_sign);
    return {{"x-amz-date", amz_date},
            {"x-amz-content-sha256", payload_hash},
            {"Authorization",
             "AWS4-HMAC-SHA256 Credential=" + options_.access_key + "/" + scope +
                 ", SignedHeaders=" + signed_headers + ", Signature=" +
                 Hex(reinterpret_cast<const unsigned char*>(signature.data()), signature.size())}};
  }

  S3Options options_;
  httplib::Client client_;
  std::string host_;
};

}  // namespace

std::unique_ptr<LogSink> MakeS3Sink(const S3Options& options) {
  return std::make_unique<S3Sink>(options);
}

}  // namespace bulkhead::logs
