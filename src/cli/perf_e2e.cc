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

namespace gregor::cli {
namespace {

using Clock = std::chrono::steady_clock;
constexpr size_t kPollBatch = 10000;

int64_t nanos_now() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(Clock::now().time_since_epoch())
      .count();
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

// Sleeps for long waits; spins through short ones, which a sleep would overshoot.
void wait_for(Clock::duration wait) {
  if (wait <= Clock::duration::zero()) return;
  if (wait > std::chrono::microseconds(200)) return std::this_thread::sleep_for(wait);
  const auto until = Clock::now() + wait;
  while (Clock::now() < until)
    std::this_thread::yield();
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
  Pacer pacer(args.send.throughput, Clock::now());
  for (int64_t i = 0; i < args.send.records && !signals.stop; ++i) {
    wait_for(pacer.due(Clock::now()));
    send(rk, args.topic, value, nanos_now());
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
  for (auto& [key, value] : parse_property_args(args.properties)) {
    producer_props[key] = value;
    consumer_props[key] = value;
  }
  Client consumer(options, Client::Kind::kConsumer, consumer_props);
  Client producer(options, Client::Kind::kProducer, producer_props);
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
