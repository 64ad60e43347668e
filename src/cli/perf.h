// `gregor perf`: load generators on librdkafka, after Kafka's producer/consumer perf tools.
// Each prints a progress line a second on stderr and a summary on stdout (--output json).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "cli/client.h"
#include "cli/options.h"

namespace gregor::cli {

// What the producing commands (produce, e2e) share.
struct SendOptions {
  int64_t records = 1000000;
  int record_size = 100;
  double throughput = -1;  // records/s; <= 0: as fast as possible
  std::string acks = "1";
  int linger_ms = 5;
};

struct PerfProduceArgs {
  std::string topic;
  SendOptions send;
  int batch_size = 1000000;  // bytes per partition batch
  std::string compression = "none";
  int64_t key_count = 0;   // 0: no keys; otherwise keys key-0 .. key-(N-1) in turn
  double max_seconds = 0;  // 0: no limit
  bool mock = false;       // librdkafka's in-process mock cluster: the client's own ceiling
  std::vector<std::string> properties;  // key=value, passed to librdkafka last
};

struct PerfConsumeArgs {
  std::string topic;
  int64_t records = 1000000;
  double max_seconds = 60;
  std::string group;  // empty: assign every partition from the beginning, no group
  std::vector<std::string> properties;
};

struct PerfE2eArgs {
  std::string topic;
  SendOptions send{10000, 100, 1000, "1", 0};
  double max_seconds = 120;
  double warmup_seconds = 1;  // at the measured rate, before the measured records
  bool mock = false;          // both clients on librdkafka's mock cluster: the clients' own latency
  std::vector<std::string> properties;
};

void run_perf_produce(const GlobalOptions& options, const PerfProduceArgs& args);
void run_perf_consume(const GlobalOptions& options, const PerfConsumeArgs& args);
void run_perf_e2e(const GlobalOptions& options, const PerfE2eArgs& args);

// --producer-property/--consumer-property values (key=value each) as client properties.
ClientProperties parse_property_args(const std::vector<std::string>& properties);
// A payload of `size` printable bytes (not constant, so that compression has work to do).
std::string perf_payload(int size);

// The consumer's next messages: waits up to `timeout_ms` for the first one, then takes what is
// already there, up to out.size(), without waiting (librdkafka's batch call would wait for a
// full batch, which delays the first records). Returns how many were put in `out`.
size_t poll_messages(rd_kafka_t* consumer, rd_kafka_queue_t* queue,
                     std::vector<rd_kafka_message_t*>& out, int timeout_ms);

}  // namespace gregor::cli
