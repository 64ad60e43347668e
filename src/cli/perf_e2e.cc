// gregor perf e2e: end-to-end latency, from the producer's send to the consumer's receipt, at a
// fixed rate. One process runs both: a producer thread stamps each record's first 8 bytes with
// the steady clock; the consumer, positioned at the log end before the first send, reads the
// stamps back. Same clock, so no clock skew enters the numbers. A warm-up comes first: records
// stamped -1 go out every 10 ms until the consumer has received one, so that the clients'
// start-up (connections, the first fetch) is not counted as latency.
#include <fmt/format.h>

#include <atomic>
#include <chrono>
#include <cstring>
#include <iostream>
#include <thread>
#include <vector>

#include "cli/cli_error.h"
#include "cli/perf.h"
#include "cli/perf_stats.h"
// After rdkafka.h (through cli/client.h), as it requires.
#include <librdkafka/rdkafka_mock.h>

namespace gregor::cli {
namespace {

using Clock = std::chrono::steady_clock;
constexpr size_t kPollBatch = 10000;
constexpr int64_t kRecordsPerClockRead = 16;

int64_t nanos_of(Clock::time_point time) {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(time.time_since_epoch()).count();
}

int64_t nanos_now() {
  return nanos_of(Clock::now());
}

// Every partition positioned at its current end, so that each record produced from now on is
// read, whatever the time the consumer takes to start fetching.
void assign_at_end(const Client& consumer, const std::string& topic_name) {
  // Kept while `topic` is used: it points into the metadata.
  const auto metadata = consumer.metadata();
  const auto& topic = Client::topic(*metadata, topic_name);
  auto* list = rd_kafka_topic_partition_list_new(topic.partition_cnt);
  for (int i = 0; i < topic.partition_cnt; ++i) {
    const int32_t p = topic.partitions[i].id;
    rd_kafka_topic_partition_list_add(list, topic_name.c_str(), p)->offset =
        consumer.watermarks(topic_name, p).second;
  }
  const auto err = rd_kafka_assign(consumer.handle(), list);
  rd_kafka_topic_partition_list_destroy(list);
  check(consumer, err, "assign");
}

// The producer's mock cluster, with `topic` (one partition) created in it: its bootstrap
// address, for the consumer to join the same cluster.
std::string start_mock_topic(const Client& producer, const std::string& topic) {
  rd_kafka_mock_cluster_t* cluster = rd_kafka_handle_mock_cluster(producer.handle());
  if (cluster == nullptr) throw CliError("librdkafka started no mock cluster");
  if (const auto err = rd_kafka_mock_topic_create(cluster, topic.c_str(), 1, 1); err != 0)
    throw CliError(std::string("mock topic: ") + rd_kafka_err2str(err));
  return rd_kafka_mock_cluster_bootstraps(cluster);
}

void send(rd_kafka_t* rk, const std::string& topic, std::string& value, int64_t stamp) {
  std::memcpy(value.data(), &stamp, sizeof stamp);
  void* data = value.data();
  const size_t size = value.size();
  while (rd_kafka_producev(rk, RD_KAFKA_V_TOPIC(topic.c_str()),
                           RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY), RD_KAFKA_V_VALUE(data, size),
                           RD_KAFKA_V_END) == RD_KAFKA_RESP_ERR__QUEUE_FULL) {
    rd_kafka_poll(rk, 1);
  }
}

struct Signals {
  std::atomic<bool> warmed_up{false};
  std::atomic<bool> stop{false};
};

void produce_stamped(rd_kafka_t* rk, const PerfE2eArgs& args, const Signals& signals) {
  std::string value = perf_payload(std::max(args.send.record_size, 8));
  while (!signals.warmed_up && !signals.stop) {
    send(rk, args.topic, value, -1);
    rd_kafka_poll(rk, 0);
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  auto now = Clock::now();
  Pacer pacer(args.send.throughput, now);
  for (int64_t i = 0; i < args.send.records && !signals.stop; ++i) {
    // The clock is read once every few records and after each sleep: at a million records a
    // second, two reads per record were a tenth of the machine. A stamp is then a few
    // microseconds early at most, which can only overstate the latency.
    if (i % kRecordsPerClockRead == 0) now = Clock::now();
    // A sleep, however short: it overshoots by tens of microseconds, and the records that fall
    // due meanwhile go in one burst. Spinning instead would take a core from the broker and
    // the consumer on a small machine, and measure the contention it causes.
    if (const auto wait = pacer.due(now); wait > Clock::duration::zero()) {
      std::this_thread::sleep_for(wait);
      now = Clock::now();
    }
    send(rk, args.topic, value, nanos_of(now));
    if (i % 64 == 0) rd_kafka_poll(rk, 0);  // delivery reports: nothing to do but drain them
  }
  while (rd_kafka_outq_len(rk) > 0 && !signals.stop)
    rd_kafka_poll(rk, 50);
}

}  // namespace

void run_perf_e2e(const GlobalOptions& options, const PerfE2eArgs& args) {
  ClientProperties producer_props = {{"acks", args.send.acks},
                                     {"linger.ms", std::to_string(args.send.linger_ms)}};
  ClientProperties consumer_props = {{"group.id", "gregor-perf-e2e"},
                                     {"enable.auto.commit", "false"},
                                     {"fetch.wait.max.ms", "100"}};
  if (args.mock) {
    producer_props["test.mock.num.brokers"] = "1";
    // The mock cluster answers a fetch only when its wait is over, not when records arrive:
    // the shortest wait keeps that out of the measured latency.
    consumer_props["fetch.wait.max.ms"] = "1";
  }
  for (auto& [key, value] : parse_property_args(args.properties)) {
    producer_props[key] = value;
    consumer_props[key] = value;
  }
  Client producer(options, Client::Kind::kProducer, producer_props);
  if (args.mock) consumer_props["bootstrap.servers"] = start_mock_topic(producer, args.topic);
  Client consumer(options, Client::Kind::kConsumer, consumer_props);
  rd_kafka_poll_set_consumer(consumer.handle());
  assign_at_end(consumer, args.topic);

  Signals signals;
  std::thread sender(produce_stamped, producer.handle(), std::cref(args), std::cref(signals));
  LatencyHistogram latency;
  int64_t received = 0;
  int64_t bytes = 0;
  std::string error;
  const auto start = Clock::now();
  const auto deadline = start + std::chrono::duration_cast<Clock::duration>(
                                    std::chrono::duration<double>(args.max_seconds));
  auto last_print = start;
  auto measured_from = start;
  int64_t printed = 0;
  // Batches from the consumer queue, the clock read once a batch: at high rates a per-record
  // poll and clock read would make the consumer, not the broker, what delays the records.
  rd_kafka_queue_t* queue = rd_kafka_queue_get_consumer(consumer.handle());
  std::vector<rd_kafka_message_t*> batch(kPollBatch);
  while (received < args.send.records && Clock::now() < deadline && error.empty()) {
    const size_t got = poll_messages(consumer.handle(), queue, batch, 100);
    const int64_t arrived = nanos_now();
    for (size_t i = 0; i < got; ++i) {
      rd_kafka_message_t* message = batch[i];
      if (message->err != RD_KAFKA_RESP_ERR_NO_ERROR) {
        if (error.empty()) error = rd_kafka_message_errstr(message);
      } else if (message->len >= sizeof(int64_t)) {
        int64_t stamp;
        std::memcpy(&stamp, message->payload, sizeof stamp);
        if (stamp < 0) {
          if (!signals.warmed_up.exchange(true)) measured_from = Clock::now();
        } else if (received < args.send.records) {
          latency.record((arrived - stamp) / 1000);
          ++received;
          bytes += static_cast<int64_t>(message->len);
        }
      }
      rd_kafka_message_destroy(message);
    }
    if (const auto now = Clock::now(); now - last_print >= std::chrono::seconds(1)) {
      PerfTotals interval{"e2e", received - printed, 0, 0,
                          std::chrono::duration<double>(now - last_print).count()};
      std::cerr << progress_line(interval, &latency) << '\n';
      printed = received;
      last_print = now;
    }
  }
  rd_kafka_queue_destroy(queue);
  signals.stop = true;
  sender.join();
  rd_kafka_consumer_close(consumer.handle());
  if (!error.empty()) throw CliError("consume failed: " + error);
  if (received < args.send.records) {
    throw CliError(fmt::format("only {} of {} records arrived within {} s", received,
                               args.send.records, args.max_seconds));
  }
  const double seconds = std::chrono::duration<double>(Clock::now() - measured_from).count();
  print_summary({"e2e", received, bytes, 0, seconds, &latency}, options.output, std::cout);
}

}  // namespace gregor::cli
