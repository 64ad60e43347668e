// The librdkafka handle every subcommand talks to the cluster through, configured from the global
// options (--bootstrap-server, --command-config). Admin calls, metadata and watermarks go through
// it; it turns librdkafka's errors into one-line CliErrors that say what to fix.
//
//   Client client(options, Client::Kind::kProducer);
//   auto md = client.metadata();                  // CliError if no broker answers in time
//   const auto& topic = client.topic(*md, "orders");  // CliError if it does not exist
#pragma once

#include <librdkafka/rdkafka.h>

#include <functional>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "cli/options.h"

namespace gregor::cli {

using ClientProperties = std::map<std::string, std::string>;

// "key=value" lines; blank lines and '#' comments are skipped. False with `error` naming the line
// when one has no '='.
bool parse_client_properties(std::string_view text, ClientProperties& out, std::string& error);

struct MetadataDeleter {
  void operator()(const rd_kafka_metadata_t* md) const { rd_kafka_metadata_destroy(md); }
};
struct EventDeleter {
  void operator()(rd_kafka_event_t* event) const { rd_kafka_event_destroy(event); }
};
using Metadata = std::unique_ptr<const rd_kafka_metadata_t, MetadataDeleter>;
using Event = std::unique_ptr<rd_kafka_event_t, EventDeleter>;

class Client {
 public:
  enum class Kind { kProducer, kConsumer };

  // `extra` properties win over --command-config, which wins over the defaults. `configure`
  // sets callbacks (delivery reports) on the configuration before the handle is made.
  Client(const GlobalOptions& options, Kind kind, const ClientProperties& extra = {},
         const std::function<void(rd_kafka_conf_t*)>& configure = {});
  ~Client();
  Client(const Client&) = delete;
  Client& operator=(const Client&) = delete;

  rd_kafka_t* handle() const { return rk_; }
  const GlobalOptions& options() const { return options_; }

  // Every topic of the cluster (never auto-creates one).
  Metadata metadata() const;
  // Only `topic`, which a producer's request lets the broker create when it does not exist and
  // auto.create.topics.enable is on (as Kafka's console producer does); waits, within the
  // timeout, while a topic just created has no leaders yet.
  Metadata metadata_creating(const std::string& topic) const;
  // `name` in `md`, or CliError "unknown topic".
  static const rd_kafka_metadata_topic_t& topic(const rd_kafka_metadata_t& md,
                                                const std::string& name);
  // The ids of `wanted` partitions of `topic`, sorted (all of them when `wanted` is empty), or
  // CliError "topic 't' has no partition N (it has M)".
  static std::vector<int32_t> partition_ids(const rd_kafka_metadata_topic_t& topic,
                                            const std::vector<int32_t>& wanted = {});

  // Starts an admin request with `call(options, queue)` and waits for its result event.
  // Request-level errors (timeouts, unreachable broker) become CliErrors.
  Event admin(const std::function<void(rd_kafka_AdminOptions_t*, rd_kafka_queue_t*)>& call,
              bool validate_only = false) const;

  // {low, high} watermarks of one partition.
  std::pair<int64_t, int64_t> watermarks(const std::string& topic, int32_t partition) const;

  // The one line for a broker that does not answer.
  std::string unreachable_message() const;

 private:
  GlobalOptions options_;
  rd_kafka_t* rk_ = nullptr;
  rd_kafka_queue_t* queue_ = nullptr;
};

// Throws CliError "<what>: <librdkafka's text>" unless err is NO_ERROR; transport errors and
// timeouts say the broker is unreachable instead.
void check(const Client& client, rd_kafka_resp_err_t err, const std::string& what);

}  // namespace gregor::cli
