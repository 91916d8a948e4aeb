// Elasticsearch sink: the _bulk API with "create" actions and ids derived from the event (its
// container, time, stream and line), so a batch sent again after a failure never duplicates:
// Elasticsearch answers 409 for what it already has, which counts as delivered. Items refused
// with 429 or 5xx fail the batch (it is retried); items refused with another 4xx (a mapping
// conflict, say) are written with the reason to a dead-letter file next to the spool, never
// retried for ever. The index name is a strftime template applied to the event's UTC date.
#include <httplib.h>
#include <openssl/sha.h>

#include <fstream>
#include <nlohmann/json.hpp>
#include <stdexcept>

#include "common/base64.h"
#include "plugins/logs/event_json.h"
#include "plugins/logs/sink.h"

namespace bulkhead::logs {
namespace {

std::string EventId(const LogEntry& entry, const ContainerMeta& meta) {
  const std::string key = meta.container_id + '\n' + std::to_string(entry.time_nano) + '\n' +
                          entry.source + '\n' + entry.line;
  unsigned char digest[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char*>(key.data()), key.size(), digest);
  std::string id = Base64Encode(std::string_view(reinterpret_cast<char*>(digest), 18));
  for (char& c : id) {  // base64url: ids appear in URLs of the document API
    if (c == '+') c = '-';
    if (c == '/') c = '_';
  }
  return id;
}

class ElasticsearchSink : public LogSink {
 public:
  ElasticsearchSink(const ElasticsearchOptions& options, std::string dead_letter_path)
      : options_(options), client_(options.url), dead_letter_path_(std::move(dead_letter_path)) {
    client_.set_connection_timeout(5);
    client_.set_read_timeout(30);
    if (!options.api_key.empty()) {
      headers_.emplace("Authorization", "ApiKey " + options.api_key);
    } else if (!options.username.empty()) {
      client_.set_basic_auth(options.username, options.password);
    }
  }

  std::string name() const override { return "elasticsearch"; }

  void Send(const std::vector<LogEntry>& batch, const ContainerMeta& meta) override {
    std::string body;
    std::vector<nlohmann::json> documents;
    for (const LogEntry& entry : batch) {
      documents.push_back(EventDocument(entry, meta));
      body += nlohmann::json{{"create",
                              {{"_index", FormatUtc(options_.index, entry.time_nano)},
                               {"_id", EventId(entry, meta)}}}}
                  .dump() +
              "\n" + documents.back().dump() + "\n";
    }
    const auto response = client_.Post("/_bulk", headers_, body, "application/x-ndjson");
    if (!response)
      throw std::runtime_error("elasticsearch " + options_.url + ": " +
                               to_string(response.error()));
    if (response->status != 200) {
      throw std::runtime_error("elasticsearch " + options_.url + ": HTTP " +
                               std::to_string(response->status) + ": " +
                               response->body.substr(0, 200));
    }
    CheckItems(nlohmann::json::parse(response->body), documents);
  }

 private:
  // 409 is success for "create"; 429 and 5xx fail the batch; other refusals go to dead letters,
  // written once the batch completes (a retried batch would refuse them again).
  void CheckItems(const nlohmann::json& reply, const std::vector<nlohmann::json>& documents) {
    if (!reply.value("errors", false)) return;
    const auto& items = reply.at("items");
    std::string dead_letters;
    for (size_t i = 0; i < items.size() && i < documents.size(); ++i) {
      const auto& result = items[i].at("create");
      const int status = result.value("status", 0);
      if (status < 300 || status == 409) continue;
      if (status == 429 || status >= 500)
        throw std::runtime_error("elasticsearch: item refused with " + std::to_string(status));
      dead_letters += nlohmann::json{{"status", status},
                                     {"error", result.value("error", nlohmann::json())},
                                     {"document", documents[i]}}
                          .dump() +
                      "\n";
    }
    std::ofstream out(dead_letter_path_, std::ios::app);
    out << dead_letters;
    if (!out) throw std::runtime_error("elasticsearch: writing " + dead_letter_path_);
  }

  ElasticsearchOptions options_;
  httplib::Client client_;
  httplib::Headers headers_;
  std::string dead_letter_path_;
};

}  // namespace

std::unique_ptr<LogSink> MakeElasticsearchSink(const ElasticsearchOptions& options,
                                               const std::string& dead_letter_path) {
  return std::make_unique<ElasticsearchSink>(options, dead_letter_path);
}

}  // namespace bulkhead::logs
