// The JSON form of an event, shared by the sinks that store documents (Elasticsearch, S3).
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>

#include "common/log_entry_codec.h"
#include "plugins/logs/log_options.h"

namespace bulkhead::logs {

// {"@timestamp", "message", "stream", "host", "tag", "container": {id, name, image}, "attrs"};
// a non-UTF-8 line is base64 with "encoding": "base64"; with meta.parse_json, a line holding a
// JSON object is also parsed into "json".
nlohmann::json EventDocument(const LogEntry& entry, const ContainerMeta& meta);

// RFC 3339 UTC with nanoseconds.
std::string Rfc3339Nanos(int64_t time_nano);

// strftime(`pattern`) of the UTC date of `time_nano`.
std::string FormatUtc(const std::string& pattern, int64_t time_nano);

}  // namespace bulkhead::logs
