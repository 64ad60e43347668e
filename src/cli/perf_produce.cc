// gregor perf produce: sends fixed-size records as fast as allowed (or at --throughput) and
// measures records/s, MB/s and the send-to-acknowledgement latency of every record.
#include <fmt/format.h>

#include <chrono>
#include <iostream>
#include <thread>

#include "cli/cli_error.h"
#include "cli/perf.h"
#include "cli/perf_stats.h"

namespace gregor::cli {
namespace {

using Clock = std::chrono::steady_clock;

int64_t micros_now() {
  return std::chrono::duration_cast<std::chrono::microseconds>(Clock::now().time_since_epoch())
      .count();
}

// Updated by the delivery callback, which runs inside rd_kafka_poll/flush on this thread.
struct Acks {
  LatencyHistogram latency;
  int64_t records = 0;
  int64_t bytes = 0;
  int64_t errors = 0;
  std::string first_error;
};

// The send time travels as the message's opaque pointer: no allocation per record.
void on_delivery(rd_kafka_t*, const rd_kafka_message_t* message, void* opaque) {
  auto* acks = static_cast<Acks*>(opaque);
  if (message->err != RD_KAFKA_RESP_ERR_NO_ERROR) {
    if (acks->errors++ == 0) acks->first_error = rd_kafka_err2str(message->err);
    return;
  }
  acks->latency.record(micros_now() - reinterpret_cast<intptr_t>(message->_private));
  ++acks->records;
  acks->bytes += static_cast<int64_t>(message->len + message->key_len);
}

ClientProperties producer_properties(const PerfProduceArgs& args) {
  ClientProperties props = {{"acks", args.send.acks},
                            {"linger.ms", std::to_string(args.send.linger_ms)},
                            {"batch.size", std::to_string(args.batch_size)},
                            {"compression.type", args.compression},
                            // The local queue must not be what limits the rate.
                            {"queue.buffering.max.messages", "2000000"},
                            {"queue.buffering.max.kbytes", "2097151"}};
  if (args.mock) props["test.mock.num.brokers"] = "1";
  for (auto& [key, value] : parse_property_args(args.properties))
    props[key] = value;
  return props;
}

// Prints the records acknowledged since the last call, once a second.
class Progress {
 public:
  explicit Progress(const Acks& acks) : acks_(acks), last_(Clock::now()) {}
  void maybe_print(Clock::time_point now) {
    if (now - last_ < std::chrono::seconds(1)) return;
    PerfTotals interval{"produce", acks_.records - records_, acks_.bytes - bytes_, 0,
                        std::chrono::duration<double>(now - last_).count()};
    std::cerr << progress_line(interval, &acks_.latency) << '\n';
    records_ = acks_.records;
    bytes_ = acks_.bytes;
    last_ = now;
  }

 private:
  const Acks& acks_;
  Clock::time_point last_;
  int64_t records_ = 0;
  int64_t bytes_ = 0;
};

}  // namespace

void run_perf_produce(const GlobalOptions& options, const PerfProduceArgs& args) {
  Acks acks;
  Client client(options, Client::Kind::kProducer, producer_properties(args),
                [&acks](rd_kafka_conf_t* conf) {
                  rd_kafka_conf_set_dr_msg_cb(conf, &on_delivery);
                  rd_kafka_conf_set_opaque(conf, &acks);
                });
  rd_kafka_t* rk = client.handle();
  if (!args.mock) Client::topic(*client.metadata(), args.topic);  // fail early if unknown
  const std::string payload = perf_payload(args.send.record_size);
  std::vector<std::string> keys;
  for (int64_t k = 0; k < args.key_count; ++k)
    keys.push_back(fmt::format("key-{}", k));

  const auto start = Clock::now();
  const auto deadline = start + std::chrono::duration_cast<Clock::duration>(
                                    std::chrono::duration<double>(args.max_seconds));
  Pacer pacer(args.send.throughput, start);
  Progress progress(acks);
  int64_t sent = 0;
  for (; sent < args.send.records && acks.errors == 0; ++sent) {
    const auto now = Clock::now();
    if (args.max_seconds > 0 && now >= deadline) break;
    if (const auto wait = pacer.due(now); wait > Clock::duration::zero()) {
      rd_kafka_poll(rk, 0);
      std::this_thread::sleep_for(wait);
    }
    const std::string* key = keys.empty() ? nullptr : &keys[sent % keys.size()];
    const void* key_data = key ? key->data() : nullptr;
    const size_t key_size = key ? key->size() : 0;
    // No copy: the payload outlives the producer (flags 0: librdkafka neither copies nor frees).
    void* value = const_cast<char*>(payload.data());
    const size_t value_size = payload.size();
    void* stamp = reinterpret_cast<void*>(static_cast<intptr_t>(micros_now()));
    rd_kafka_resp_err_t err;
    while ((err = rd_kafka_producev(
                rk, RD_KAFKA_V_TOPIC(args.topic.c_str()), RD_KAFKA_V_KEY(key_data, key_size),
                RD_KAFKA_V_VALUE(value, value_size), RD_KAFKA_V_OPAQUE(stamp), RD_KAFKA_V_END)) ==
           RD_KAFKA_RESP_ERR__QUEUE_FULL) {
      rd_kafka_poll(rk, 1);
    }
    if (err != RD_KAFKA_RESP_ERR_NO_ERROR)
      throw CliError(std::string("cannot produce: ") + rd_kafka_err2str(err));
    if (sent % 1024 == 0) {
      rd_kafka_poll(rk, 0);
      progress.maybe_print(Clock::now());
    }
  }
  while (rd_kafka_outq_len(rk) > 0 && acks.errors == 0) {
    rd_kafka_poll(rk, 100);
    progress.maybe_print(Clock::now());
  }
  const double seconds = std::chrono::duration<double>(Clock::now() - start).count();
  if (acks.errors > 0) {
    rd_kafka_purge(rk, RD_KAFKA_PURGE_F_QUEUE | RD_KAFKA_PURGE_F_INFLIGHT);
    rd_kafka_flush(rk, 1000);
    throw CliError(fmt::format("{} of {} records failed, the first with: {}", acks.errors, sent,
                               acks.first_error));
  }
  print_summary({"produce", acks.records, acks.bytes, acks.errors, seconds, &acks.latency},
                options.output, std::cout);
}

}  // namespace gregor::cli
