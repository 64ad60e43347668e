// gregor produce: one message per input line (stdin or --file), with librdkafka's producer.
#include <fmt/format.h>

#include <fstream>
#include <iostream>

#include "cli/cli_error.h"
#include "cli/client.h"
#include "cli/commands.h"
#include "cli/message_format.h"

namespace gregor::cli {
namespace {

struct ProduceArgs {
  std::string topic;
  std::string file;
  std::string key_separator;
  std::vector<std::string> headers;
  int partition = RD_KAFKA_PARTITION_UA;
  std::string acks = "all";
  std::string compression = "none";
};

// Delivery reports: the first failure is kept to report it as the command's error.
struct Deliveries {
  int64_t delivered = 0;
  std::string first_error;
};

void on_delivery(rd_kafka_t*, const rd_kafka_message_t* message, void* opaque) {
  auto* deliveries = static_cast<Deliveries*>(opaque);
  if (message->err == RD_KAFKA_RESP_ERR_NO_ERROR) {
    ++deliveries->delivered;
  } else if (deliveries->first_error.empty()) {
    deliveries->first_error = rd_kafka_err2str(message->err);
  }
}

rd_kafka_headers_t* make_headers(const std::vector<std::pair<std::string, std::string>>& pairs) {
  if (pairs.empty()) return nullptr;
  rd_kafka_headers_t* headers = rd_kafka_headers_new(pairs.size());
  for (const auto& [key, value] : pairs) {
    rd_kafka_header_add(headers, key.data(), static_cast<ssize_t>(key.size()), value.data(),
                        static_cast<ssize_t>(value.size()));
  }
  return headers;
}

void send(rd_kafka_t* rk, const ProduceArgs& args, const std::optional<std::string>& key,
          const std::string& value, const std::vector<std::pair<std::string, std::string>>& pairs) {
  // The macros below cast their arguments without parentheses: pass plain variables.
  const void* key_data = key ? key->data() : nullptr;
  const size_t key_size = key ? key->size() : 0;
  void* value_data = const_cast<char*>(value.data());
  const size_t value_size = value.size();
  while (true) {
    rd_kafka_headers_t* headers = make_headers(pairs);  // owned by librdkafka once accepted
    const auto err = rd_kafka_producev(
        rk, RD_KAFKA_V_TOPIC(args.topic.c_str()), RD_KAFKA_V_PARTITION(args.partition),
        RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY), RD_KAFKA_V_KEY(key_data, key_size),
        RD_KAFKA_V_VALUE(value_data, value_size), RD_KAFKA_V_HEADERS(headers), RD_KAFKA_V_END);
    if (err == RD_KAFKA_RESP_ERR_NO_ERROR) return;
    if (headers) rd_kafka_headers_destroy(headers);
    if (err != RD_KAFKA_RESP_ERR__QUEUE_FULL) {
      throw CliError(std::string("cannot produce: ") + rd_kafka_err2str(err));
    }
    rd_kafka_poll(rk, 100);  // the local queue is full: let deliveries drain it
  }
}

void produce(const GlobalOptions& options, const ProduceArgs& args) {
  std::vector<std::pair<std::string, std::string>> headers;
  for (const auto& text : args.headers) {
    auto header = parse_header(text);
    if (!header) throw CliError("--header expects KEY=VALUE, got '" + text + "'");
    headers.push_back(*header);
  }
  std::ifstream file;
  if (!args.file.empty()) {
    file.open(args.file);
    if (!file) throw CliError("cannot read --file " + args.file);
  }
  std::istream& in = args.file.empty() ? std::cin : file;

  Deliveries deliveries;
  Client client(options, Client::Kind::kProducer,
                {{"acks", args.acks},
                 {"compression.codec", args.compression},
                 {"message.timeout.ms", std::to_string(options.timeout_ms())}},
                [&deliveries](rd_kafka_conf_t* conf) {
                  rd_kafka_conf_set_dr_msg_cb(conf, &on_delivery);
                  rd_kafka_conf_set_opaque(conf, &deliveries);
                });
  // Kept while `topic` is used: it points into the metadata.
  const auto metadata = client.metadata_creating(args.topic);
  const auto& topic = Client::topic(*metadata, args.topic);
  if (args.partition != RD_KAFKA_PARTITION_UA &&
      (args.partition < 0 || args.partition >= topic.partition_cnt)) {
    throw CliError(fmt::format("topic '{}' has no partition {} (it has {})", args.topic,
                               args.partition, topic.partition_cnt));
  }
  std::string line;
  int64_t sent = 0;
  while (std::getline(in, line)) {
    std::optional<std::string> key;
    if (!args.key_separator.empty()) {
      auto split = split_key(line, args.key_separator);
      if (!split) {
        throw CliError(
            fmt::format("line {} has no key separator '{}'", sent + 1, args.key_separator));
      }
      key = split->first;
      line = split->second;
    }
    send(client.handle(), args, key, line, headers);
    ++sent;
    rd_kafka_poll(client.handle(), 0);
  }
  rd_kafka_flush(client.handle(), options.timeout_ms());
  if (!deliveries.first_error.empty()) {
    throw CliError(fmt::format("{} of {} messages not delivered: {}", sent - deliveries.delivered,
                               sent, deliveries.first_error));
  }
  if (deliveries.delivered < sent) throw CliError(client.unreachable_message());
  std::cerr << "Produced " << sent << " messages to " << args.topic << '\n';
}

}  // namespace

void add_produce_command(CLI::App& app, const GlobalOptions& options) {
  auto args = std::make_shared<ProduceArgs>();
  auto* p = app.add_subcommand("produce", "Send one message per line of stdin or a file");
  p->add_option("topic", args->topic,
                "Topic to produce to (created if missing when the broker allows it)")
      ->required();
  p->add_option("--file", args->file, "Read lines from this file instead of stdin");
  p->add_option("--key-separator", args->key_separator,
                "Split each line at the first SEP into key and value");
  p->add_option("--header", args->headers, "Header KEY=VALUE on every message (repeatable)");
  p->add_option("--partition", args->partition, "Partition (default: the partitioner chooses)");
  p->add_option("--acks", args->acks, "Acknowledgements: all, -1, 1 or 0")
      ->check(CLI::IsMember({"all", "-1", "0", "1"}))
      ->capture_default_str();
  p->add_option("--compression", args->compression, "Codec: none, gzip, snappy, lz4 or zstd")
      ->check(CLI::IsMember({"none", "gzip", "snappy", "lz4", "zstd"}))
      ->capture_default_str();
  p->footer(
      "Examples:\n"
      "  echo hello | gregor produce orders\n"
      "  gregor produce orders --file lines.txt --key-separator : --header source=import\n"
      "  gregor produce orders --partition 0 --acks 1 --compression zstd < lines.txt");
  p->callback([&options, args] { produce(options, *args); });
}

}  // namespace gregor::cli
