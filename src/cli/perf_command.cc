// gregor perf produce|consume|e2e: the options of the load generators (perf.h).
#include <fmt/format.h>

#include <random>

#include "cli/cli_error.h"
#include "cli/commands.h"
#include "cli/perf.h"

namespace gregor::cli {

ClientProperties parse_property_args(const std::vector<std::string>& properties) {
  ClientProperties out;
  for (const auto& text : properties) {
    const auto eq = text.find('=');
    if (eq == std::string::npos || eq == 0)
      throw CliError("a client property must be KEY=VALUE, got '" + text + "'");
    out[text.substr(0, eq)] = text.substr(eq + 1);
  }
  return out;
}

std::string perf_payload(int size) {
  std::string out(static_cast<size_t>(std::max(size, 0)), ' ');
  std::mt19937 random(42);
  std::uniform_int_distribution<int> letter('A', 'Z');
  for (char& c : out)
    c = static_cast<char>(letter(random));
  return out;
}

size_t poll_messages(rd_kafka_t* consumer, rd_kafka_queue_t* queue,
                     std::vector<rd_kafka_message_t*>& out, int timeout_ms) {
  if (out.empty()) return 0;
  out[0] = rd_kafka_consumer_poll(consumer, timeout_ms);
  if (out[0] == nullptr) return 0;
  const ssize_t more = rd_kafka_consume_batch_queue(queue, 0, out.data() + 1, out.size() - 1);
  return 1 + static_cast<size_t>(std::max<ssize_t>(more, 0));
}

namespace {

// --records, --record-size (at least `min_size`: e2e stamps the first 8 bytes), --throughput,
// --acks, --linger-ms.
void add_send_options(CLI::App* c, SendOptions& send, int min_size, const char* throughput_help) {
  c->add_option("--records", send.records, "How many records to send")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  c->add_option(
       "--record-size", send.record_size,
       min_size > 0 ? "Bytes of each record's value (>= 8)" : "Bytes of each record's value")
      ->check(CLI::Range(min_size, 100 << 20))
      ->capture_default_str();
  c->add_option("--throughput", send.throughput, throughput_help)->capture_default_str();
  c->add_option("--acks", send.acks, "Acknowledgement: 0, 1 or all")
      ->check(CLI::IsMember({"0", "1", "all", "-1"}))
      ->capture_default_str();
  c->add_option("--linger-ms", send.linger_ms, "linger.ms of the producer")
      ->check(CLI::NonNegativeNumber)
      ->capture_default_str();
}

void add_produce(CLI::App& perf, const GlobalOptions& options) {
  auto args = std::make_shared<PerfProduceArgs>();
  auto* c = perf.add_subcommand("produce", "Measure producer throughput and ack latency");
  c->add_option("topic", args->topic, "Topic to produce to (must exist)")->required();
  add_send_options(c, args->send, 0, "Records per second at most (-1: no limit)");
  c->add_option("--batch-size", args->batch_size, "batch.size of the producer, bytes")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  c->add_option("--compression", args->compression, "none, gzip, snappy, lz4 or zstd")
      ->check(CLI::IsMember({"none", "gzip", "snappy", "lz4", "zstd"}))
      ->capture_default_str();
  c->add_option("--keys", args->key_count, "Use this many distinct keys in turn (0: no keys)")
      ->check(CLI::NonNegativeNumber)
      ->capture_default_str();
  c->add_option("--max-seconds", args->max_seconds, "Stop sending after this long (0: no limit)")
      ->check(CLI::NonNegativeNumber);
  c->add_flag("--mock", args->mock,
              "Produce to librdkafka's in-process mock cluster instead: the client's ceiling");
  c->add_option("--producer-property", args->properties, "KEY=VALUE for librdkafka (repeatable)");
  c->footer(
      "Examples:\n"
      "  gregor perf produce bench --records 5000000 --record-size 100 --acks 1\n"
      "  gregor perf produce bench --records 200000 --throughput 50000 --acks all --keys 1000\n"
      "  gregor perf produce bench --mock --records 5000000   # the client alone, no broker");
  c->callback([&options, args] { run_perf_produce(options, *args); });
}

void add_consume(CLI::App& perf, const GlobalOptions& options) {
  auto args = std::make_shared<PerfConsumeArgs>();
  auto* c = perf.add_subcommand("consume", "Measure consumer throughput over a backlog");
  c->add_option("topic", args->topic, "Topic to read")->required();
  c->add_option("--records", args->records, "Stop after this many records")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  c->add_option("--max-seconds", args->max_seconds, "Stop after this long")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  c->add_option("--group", args->group,
                "Consume in this group (subscribe); without it every partition is assigned");
  c->add_option("--consumer-property", args->properties, "KEY=VALUE for librdkafka (repeatable)");
  c->footer(
      "Examples:\n"
      "  gregor perf consume bench --records 5000000\n"
      "  gregor perf consume bench --group perf --max-seconds 30");
  c->callback([&options, args] { run_perf_consume(options, *args); });
}

void add_e2e(CLI::App& perf, const GlobalOptions& options) {
  auto args = std::make_shared<PerfE2eArgs>();
  auto* c = perf.add_subcommand("e2e", "Measure end-to-end latency (produce to consume)");
  c->add_option("topic", args->topic, "Topic to use (must exist)")->required();
  add_send_options(c, args->send, 8, "Records per second");
  c->add_option("--max-seconds", args->max_seconds, "Give up after this long")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  c->add_option("--warmup-seconds", args->warmup_seconds,
                "Send at the same rate for this long first, not measured")
      ->check(CLI::NonNegativeNumber)
      ->capture_default_str();
  c->add_flag("--mock", args->mock,
              "Run both clients against librdkafka's mock cluster instead: their own latency");
  c->add_option("--property", args->properties,
                "KEY=VALUE for both librdkafka clients (repeatable)");
  c->footer(
      "Examples:\n"
      "  gregor perf e2e bench --records 20000 --throughput 2000\n"
      "  gregor perf e2e bench --records 50000 --throughput 10000 --acks all --output json\n"
      "  gregor perf e2e bench --mock --throughput 500000   # the clients alone, no broker");
  c->callback([&options, args] { run_perf_e2e(options, *args); });
}

}  // namespace

void add_perf_commands(CLI::App& app, const GlobalOptions& options) {
  auto* perf = app.add_subcommand("perf", "Load generators: throughput and latency");
  perf->require_subcommand(1);
  perf->footer(
      "Examples:\n"
      "  gregor perf produce bench --records 1000000\n"
      "  gregor perf consume bench --records 1000000\n"
      "  gregor perf e2e bench --throughput 5000");
  add_produce(*perf, options);
  add_consume(*perf, options);
  add_e2e(*perf, options);
}

}  // namespace gregor::cli
