// The sink registry: which sinks a container's options ask for.
#include "plugins/logs/sink.h"

namespace bulkhead::logs {

std::vector<std::unique_ptr<LogSink>> MakeSinks(const LogOptions& options,
                                                const std::string& spool_directory) {
  std::vector<std::unique_ptr<LogSink>> sinks;
  if (!options.syslog_address.empty())
    sinks.push_back(
        MakeSyslogSink(options.syslog_address, options.syslog_facility, options.syslog_tls));
  if (!options.gelf_address.empty())
    sinks.push_back(MakeGelfSink(options.gelf_address, options.gelf_compression, options.gelf_tls));
  if (!options.elasticsearch.url.empty()) {
    sinks.push_back(MakeElasticsearchSink(options.elasticsearch,
                                          spool_directory + "/deadletter.elasticsearch.ndjson"));
  }
  if (!options.s3.bucket.empty()) sinks.push_back(MakeS3Sink(options.s3));
  if (!options.amqp.host.empty()) sinks.push_back(MakeAmqpSink(options.amqp));
  if (!options.riemann_address.empty())
    sinks.push_back(MakeRiemannSink(options.riemann_address, options.riemann_tls));
  return sinks;
}

}  // namespace bulkhead::logs
