// LogSink: one backend that events are shipped to. One file per sink implements it (the Fluent
// Bit layout); MakeSinks() builds the ones a container's options ask for.
//
// Contract: Send() returns once the backend has taken the whole batch (acknowledged, where the
// protocol has acknowledgements; written to the connection, where it has none) and throws on any
// failure, in which case the whole batch is sent again later, so a sink must tolerate repeats.
// A sink is used by one shipper thread at a time.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "common/log_entry_codec.h"
#include "plugins/logs/log_options.h"

namespace bulkhead::logs {

class LogSink {
 public:
  virtual ~LogSink() = default;
  // Stable name, used for the sink's cursor file and metrics ("syslog").
  virtual std::string name() const = 0;
  virtual void Send(const std::vector<LogEntry>& batch, const ContainerMeta& meta) = 0;
  // The most events one Send() takes.
  virtual size_t max_batch() const { return 512; }
};

std::unique_ptr<LogSink> MakeSyslogSink(const std::string& address, int facility,
                                        const TlsSettings& tls);
std::unique_ptr<LogSink> MakeGelfSink(const std::string& address, GelfCompression compression,
                                      const TlsSettings& tls);

std::unique_ptr<LogSink> MakeElasticsearchSink(const ElasticsearchOptions& options,
                                               const std::string& dead_letter_path);

std::unique_ptr<LogSink> MakeS3Sink(const S3Options& options);
std::unique_ptr<LogSink> MakeAmqpSink(const AmqpOptions& options);
std::unique_ptr<LogSink> MakeRiemannSink(const std::string& address, const TlsSettings& tls);

// The sinks `options` ask for; per-container files (dead letters) go in `spool_directory`.
std::vector<std::unique_ptr<LogSink>> MakeSinks(const LogOptions& options,
                                                const std::string& spool_directory);

}  // namespace bulkhead::logs
