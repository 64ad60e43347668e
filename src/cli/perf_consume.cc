// gregor perf consume: reads a topic as fast as it can, in a group (subscribe) or without one
// (every partition assigned from the beginning), and measures records/s and MB/s from the first
// poll that returns records to the last, so that joining the group is not counted.
#include <fmt/format.h>

#include <chrono>
#include <iostream>
#include <vector>

#include "cli/cli_error.h"
#include "cli/perf.h"
#include "cli/perf_stats.h"

namespace gregor::cli {
namespace {

using Clock = std::chrono::steady_clock;
constexpr size_t kPollBatch = 10000;

ClientProperties consumer_properties(const PerfConsumeArgs& args) {
  ClientProperties props = {
      {"group.id", args.group.empty() ? "gregor-perf" : args.group},
      {"enable.auto.commit", args.group.empty() ? "false" : "true"},
      {"auto.offset.reset", "earliest"},
      {"enable.partition.eof", "false"},
      // Let the consumer pre-fetch generously: the broker, not the queue, should be the limit.
      {"queued.min.messages", "1000000"},
      {"fetch.max.bytes", "52428800"},
      {"max.partition.fetch.bytes", "10485760"}};
  for (auto& [key, value] : parse_property_args(args.properties))
    props[key] = value;
  return props;
}

void start(const Client& client, const PerfConsumeArgs& args) {
  rd_kafka_t* rk = client.handle();
  // Kept while `topic` is used: it points into the metadata.
  const auto metadata = client.metadata();
  const auto& topic = Client::topic(*metadata, args.topic);
  auto* list = rd_kafka_topic_partition_list_new(topic.partition_cnt);
  if (args.group.empty()) {
    for (int i = 0; i < topic.partition_cnt; ++i) {
      rd_kafka_topic_partition_list_add(list, args.topic.c_str(), topic.partitions[i].id)->offset =
          RD_KAFKA_OFFSET_BEGINNING;
    }
  } else {
    rd_kafka_topic_partition_list_add(list, args.topic.c_str(), RD_KAFKA_PARTITION_UA);
  }
  const auto err = args.group.empty() ? rd_kafka_assign(rk, list) : rd_kafka_subscribe(rk, list);
  rd_kafka_topic_partition_list_destroy(list);
  check(client, err, args.group.empty() ? "assign" : "subscribe");
}

}  // namespace

void run_perf_consume(const GlobalOptions& options, const PerfConsumeArgs& args) {
  Client client(options, Client::Kind::kConsumer, consumer_properties(args));
  rd_kafka_t* rk = client.handle();
  rd_kafka_poll_set_consumer(rk);
  start(client, args);

  const auto begin = Clock::now();
  const auto deadline = begin + std::chrono::duration_cast<Clock::duration>(
                                    std::chrono::duration<double>(args.max_seconds));
  Clock::time_point first{};
  Clock::time_point last{};
  Clock::time_point last_print = begin;
  int64_t records = 0;
  int64_t bytes = 0;
  int64_t printed_records = 0;
  int64_t printed_bytes = 0;
  // Messages come in batches from the consumer queue, and the clock is read once a batch: per
  // record, both would cost the client more than the broker spends serving the record.
  rd_kafka_queue_t* queue = rd_kafka_queue_get_consumer(rk);
  std::vector<rd_kafka_message_t*> batch(kPollBatch);
  std::string error;
  while (records < args.records && error.empty()) {
    const auto now = Clock::now();
    if (now >= deadline) break;
    const size_t got = poll_messages(rk, queue, batch, 100);
    const auto arrived = Clock::now();
    for (size_t i = 0; i < got; ++i) {
      rd_kafka_message_t* message = batch[i];
      if (message->err != RD_KAFKA_RESP_ERR_NO_ERROR) {
        if (error.empty()) error = rd_kafka_message_errstr(message);
      } else if (records < args.records) {
        if (records == 0) first = now;  // the poll that brought the first records
        ++records;
        bytes += static_cast<int64_t>(message->len + message->key_len);
        last = arrived;
      }
      rd_kafka_message_destroy(message);
    }
    if (arrived - last_print >= std::chrono::seconds(1)) {
      PerfTotals interval{"consume", records - printed_records, bytes - printed_bytes, 0,
                          std::chrono::duration<double>(arrived - last_print).count()};
      std::cerr << progress_line(interval, nullptr) << '\n';
      printed_records = records;
      printed_bytes = bytes;
      last_print = arrived;
    }
  }
  rd_kafka_queue_destroy(queue);
  if (!error.empty()) {
    rd_kafka_consumer_close(rk);
    throw CliError("consume failed: " + error);
  }
  rd_kafka_consumer_close(rk);
  if (records == 0) {
    throw CliError(fmt::format("no records from '{}' within {} s", args.topic, args.max_seconds));
  }
  // The first record's own transfer is not timed: count from it, as from a start line.
  const double seconds = std::chrono::duration<double>(last - first).count();
  print_summary({"consume", records, bytes, 0, seconds, nullptr}, options.output, std::cout);
}

}  // namespace gregor::cli
