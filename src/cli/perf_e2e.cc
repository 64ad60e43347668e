// gregor perf e2e: end-to-end latency, from the producer's send to the consumer's receipt, at a
// fixed rate. One process runs both: a producer thread stamps each record's first 8 bytes with
// the steady clock; the consumer, positioned at the log end before the first send, reads the
// stamps back. Same clock, so no clock skew enters the numbers. Warm-up records (stamped -1)
// come first, so that the clients' start-up is not counted as latency (produce_stamped).
#include <fmt/format.h>

#include <atomic>
#include <chrono>
#include <cstring>
#include <iostream>
#include <string>
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
// read, whatever the time the consumer takes to start fetching. Returns the partition count.
int assign_at_end(const Client& consumer, const std::string& topic_name) {
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
  return topic.partition_cnt;
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

// Records that fell due together, enqueued with one call: librdkafka's per-call costs (topic
// lookup, locks, two clock reads) were most of the producer thread's time at a million records a
// second, one call per record.
class Burst {
 public:
  Burst(rd_kafka_t* rk, const std::string& topic, int32_t partition, int record_size)
      : rk_(rk),
        rkt_(rd_kafka_topic_new(rk, topic.c_str(), nullptr)),
        partition_(partition),
        payloads_(kMaxBurst, perf_payload(std::max(record_size, 8))),
        messages_(kMaxBurst) {
    if (rkt_ == nullptr) throw CliError("topic handle: " + topic);
  }
  ~Burst() { rd_kafka_topic_destroy(rkt_); }
  Burst(const Burst&) = delete;
  Burst& operator=(const Burst&) = delete;

  bool full() const { return size_ == kMaxBurst; }
  void add(int64_t stamp) {
    std::string& value = payloads_[size_];
    std::memcpy(value.data(), &stamp, sizeof stamp);
    messages_[size_] = rd_kafka_message_t{};
    messages_[size_].payload = value.data();
    messages_[size_].len = value.size();
    ++size_;
  }
  // Enqueues every record added; those the full local queue refused go again once the client
  // has made room.
  void send() {
    size_t left = size_;
    while (left > 0) {
      const int queued = rd_kafka_produce_batch(rkt_, partition_, RD_KAFKA_MSG_F_COPY,
                                                messages_.data(), static_cast<int>(left));
      if (static_cast<size_t>(queued) == left) break;
      left = keep_refused(left);
      rd_kafka_poll(rk_, 1);
    }
    size_ = 0;
  }

 private:
  static constexpr size_t kMaxBurst = 256;

  // Moves the refused messages to the front; how many there are.
  size_t keep_refused(size_t count) {
    size_t kept = 0;
    for (size_t i = 0; i < count; ++i) {
      if (messages_[i].err == RD_KAFKA_RESP_ERR_NO_ERROR) continue;
      if (messages_[i].err != RD_KAFKA_RESP_ERR__QUEUE_FULL)
        throw CliError(std::string("cannot produce: ") + rd_kafka_err2str(messages_[i].err));
      messages_[kept] = messages_[i];
      messages_[kept].err = RD_KAFKA_RESP_ERR_NO_ERROR;
      ++kept;
    }
    return kept;
  }

  rd_kafka_t* rk_;
  rd_kafka_topic_t* rkt_;
  int32_t partition_;
  std::vector<std::string> payloads_;
  std::vector<rd_kafka_message_t> messages_;
  size_t size_ = 0;
};

struct Signals {
  std::atomic<bool> connected{false};       // the consumer has a record: both clients are up
  std::atomic<int64_t> measured_since{-1};  // when the first measured record was sent
  std::atomic<bool> stop{false};            // set by either side: the run is over
  std::string send_error;                   // why the sender stopped; read after it is joined
};

// Records stamped -1 (not measured) every 10 ms until the consumer has one, so that connecting
// is not counted; then records at the measured rate: stamped -1 for `--warmup-seconds`, so that
// the clients' ramp-up (their first buffers, queues and fetch sizes) is not counted either, and
// then stamped with their send time.
void produce_stamped(rd_kafka_t* rk, int32_t partition, const PerfE2eArgs& args, Signals& signals) {
  Burst burst(rk, args.topic, partition, args.send.record_size);
  while (!signals.connected && !signals.stop) {
    burst.add(-1);
    burst.send();
    rd_kafka_poll(rk, 0);
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  auto now = Clock::now();
  const auto warm_until = now + std::chrono::duration_cast<Clock::duration>(
                                    std::chrono::duration<double>(args.warmup_seconds));
  Pacer pacer(args.send.throughput, now);
  int64_t measured = 0;
  for (int64_t sent = 0; measured < args.send.records && !signals.stop; ++sent) {
    // The clock is read once every few records and after each sleep: at a million records a
    // second, two reads per record were a tenth of the machine. A stamp is then a few
    // microseconds early at most, which can only overstate the latency.
    if (sent % kRecordsPerClockRead == 0) now = Clock::now();
    // A sleep, however short: it overshoots by tens of microseconds, and the records that fall
    // due meanwhile go in one burst. Spinning instead would take a core from the broker and
    // the consumer on a small machine, and measure the contention it causes.
    if (const auto wait = pacer.due(now); wait > Clock::duration::zero()) {
      burst.send();
      rd_kafka_poll(rk, 0);  // delivery reports: nothing to do but drain them
      std::this_thread::sleep_for(wait);
      now = Clock::now();
    }
    if (now < warm_until) {
      burst.add(-1);
    } else {
      if (measured++ == 0) signals.measured_since = nanos_of(now);
      burst.add(nanos_of(now));
    }
    if (burst.full()) {
      burst.send();
      rd_kafka_poll(rk, 0);
    }
  }
  burst.send();
  while (rd_kafka_outq_len(rk) > 0 && !signals.stop)
    rd_kafka_poll(rk, 50);
}

// The sender thread: a record the client refuses ends the run, with the reason for the caller.
void send_until_done(rd_kafka_t* rk, int32_t partition, const PerfE2eArgs& args, Signals& signals) {
  try {
    produce_stamped(rk, partition, args, signals);
  } catch (const std::exception& e) {
    signals.send_error = e.what();
    signals.stop = true;
  }
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
  // One partition: named, so that librdkafka looks it up once a burst, not once a record.
  const int32_t partition = assign_at_end(consumer, args.topic) == 1 ? 0 : RD_KAFKA_PARTITION_UA;

  Signals signals;
  std::thread sender(send_until_done, producer.handle(), partition, std::cref(args),
                     std::ref(signals));
  LatencyHistogram latency;
  int64_t received = 0;
  int64_t bytes = 0;
  std::string error;
  const auto start = Clock::now();
  const auto deadline = start + std::chrono::duration_cast<Clock::duration>(
                                    std::chrono::duration<double>(args.max_seconds));
  auto last_print = start;
  int64_t printed = 0;
  // Batches from the consumer queue, the clock read once a batch: at high rates a per-record
  // poll and clock read would make the consumer, not the broker, what delays the records.
  rd_kafka_queue_t* queue = rd_kafka_queue_get_consumer(consumer.handle());
  std::vector<rd_kafka_message_t*> batch(kPollBatch);
  while (received < args.send.records && Clock::now() < deadline && error.empty() &&
         !signals.stop) {
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
          signals.connected = true;
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
  if (!signals.send_error.empty()) throw CliError("produce failed: " + signals.send_error);
  if (!error.empty()) throw CliError("consume failed: " + error);
  if (received < args.send.records) {
    throw CliError(fmt::format("only {} of {} records arrived within {} s", received,
                               args.send.records, args.max_seconds));
  }
  const double seconds = (nanos_now() - signals.measured_since) / 1e9;
  print_summary({"e2e", received, bytes, 0, seconds, &latency}, options.output, std::cout);
}

}  // namespace gregor::cli
