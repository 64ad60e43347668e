// gregor consume: prints a topic's messages with librdkafka's consumer. Without a group it
// assign()s partitions directly (no group coordinator, no commits).
#include <fmt/format.h>

#include <csignal>
#include <iostream>
#include <set>

#include "cli/cli_error.h"
#include "cli/client.h"
#include "cli/commands.h"
#include "cli/message_format.h"

namespace gregor::cli {
namespace {

volatile std::sig_atomic_t stop_requested = 0;

struct ConsumeArgs {
  std::string topic;
  std::vector<int> partitions;
  bool from_beginning = false;
  std::optional<int64_t> offset;
  std::optional<int64_t> timestamp;
  std::string format = "%v";
  int64_t max_messages = -1;
  bool exit_at_end = false;
};

// Where each partition starts, resolving --timestamp through offsets_for_times.
rd_kafka_topic_partition_list_t* start_positions(const Client& client, const ConsumeArgs& args,
                                                 const std::vector<int32_t>& partitions) {
  auto* list = rd_kafka_topic_partition_list_new(static_cast<int>(partitions.size()));
  for (int32_t p : partitions) {
    auto* tp = rd_kafka_topic_partition_list_add(list, args.topic.c_str(), p);
    tp->offset = args.from_beginning ? RD_KAFKA_OFFSET_BEGINNING
                 : args.offset       ? *args.offset
                 : args.timestamp    ? *args.timestamp
                                     : RD_KAFKA_OFFSET_END;
  }
  if (args.timestamp) {
    auto err = rd_kafka_offsets_for_times(client.handle(), list, client.options().timeout_ms());
    if (err != RD_KAFKA_RESP_ERR_NO_ERROR) rd_kafka_topic_partition_list_destroy(list);
    check(client, err, "offsets for --timestamp");
    for (int i = 0; i < list->cnt; ++i) {
      // No message at or after that time: start at the end, as Kafka does.
      if (list->elems[i].offset < 0) list->elems[i].offset = RD_KAFKA_OFFSET_END;
    }
  }
  return list;
}

MessageFields fields(const rd_kafka_message_t& message) {
  MessageFields out;
  out.topic = rd_kafka_topic_name(message.rkt);
  out.partition = message.partition;
  out.offset = message.offset;
  rd_kafka_timestamp_type_t type;
  out.timestamp = rd_kafka_message_timestamp(&message, &type);
  if (message.key)
    out.key = std::string_view(static_cast<const char*>(message.key), message.key_len);
  if (message.payload) {
    out.value = std::string_view(static_cast<const char*>(message.payload), message.len);
  }
  rd_kafka_headers_t* headers = nullptr;
  if (rd_kafka_message_headers(&message, &headers) == RD_KAFKA_RESP_ERR_NO_ERROR) {
    const char* name;
    const void* value;
    size_t size;
    for (size_t i = 0;
         rd_kafka_header_get_all(headers, i, &name, &value, &size) == RD_KAFKA_RESP_ERR_NO_ERROR;
         ++i) {
      out.headers.emplace_back(name, value ? std::optional<std::string>(
                                                 std::string(static_cast<const char*>(value), size))
                                           : std::nullopt);
    }
  }
  return out;
}

std::vector<int32_t> chosen_partitions(const rd_kafka_metadata_topic_t& topic,
                                       const ConsumeArgs& args) {
  std::vector<int32_t> out;
  for (int i = 0; i < topic.partition_cnt; ++i)
    out.push_back(topic.partitions[i].id);
  if (args.partitions.empty()) return out;
  for (int p : args.partitions) {
    if (std::find(out.begin(), out.end(), p) == out.end()) {
      throw CliError(fmt::format("topic '{}' has no partition {} (it has {})", args.topic, p,
                                 topic.partition_cnt));
    }
  }
  return {args.partitions.begin(), args.partitions.end()};
}

void consume(const GlobalOptions& options, const ConsumeArgs& args) {
  Client client(options, Client::Kind::kConsumer,
                {{"enable.auto.commit", "false"},
                 {"enable.partition.eof", args.exit_at_end ? "true" : "false"},
                 {"group.id", "gregor-cli"}});
  const auto partitions = chosen_partitions(Client::topic(*client.metadata(), args.topic), args);
  auto* list = start_positions(client, args, partitions);
  const auto err = rd_kafka_assign(client.handle(), list);
  rd_kafka_topic_partition_list_destroy(list);
  check(client, err, "assign");

  std::signal(SIGINT, [](int) { stop_requested = 1; });
  std::signal(SIGTERM, [](int) { stop_requested = 1; });
  std::set<int32_t> at_end;
  int64_t printed = 0;
  while (!stop_requested && (args.max_messages < 0 || printed < args.max_messages)) {
    rd_kafka_message_t* message = rd_kafka_consumer_poll(client.handle(), 200);
    if (message == nullptr) continue;
    const auto message_err = message->err;
    if (message_err == RD_KAFKA_RESP_ERR__PARTITION_EOF) {
      at_end.insert(message->partition);
    } else if (message_err != RD_KAFKA_RESP_ERR_NO_ERROR) {
      std::string text = rd_kafka_message_errstr(message);
      rd_kafka_message_destroy(message);
      throw CliError("consume failed: " + text);
    } else {
      at_end.erase(message->partition);
      const auto f = fields(*message);
      std::cout << (options.output == OutputFormat::kJson ? message_json(f)
                                                          : format_message(args.format, f))
                << '\n';
      ++printed;
    }
    rd_kafka_message_destroy(message);
    if (args.exit_at_end && at_end.size() == partitions.size()) break;
  }
  std::cout.flush();
  rd_kafka_consumer_close(client.handle());
}

}  // namespace

void add_consume_command(CLI::App& app, const GlobalOptions& options) {
  auto args = std::make_shared<ConsumeArgs>();
  auto* c = app.add_subcommand("consume", "Print a topic's messages");
  c->add_option("topic", args->topic, "Topic to consume")->required();
  c->add_option("--partition", args->partitions, "Only this partition (repeatable)");
  auto* beginning =
      c->add_flag("--from-beginning", args->from_beginning, "Start at the earliest offset");
  auto* offset = c->add_option("--offset", args->offset, "Start at this offset");
  auto* timestamp = c->add_option("--timestamp", args->timestamp,
                                  "Start at the first message at or after this time (ms)");
  beginning->excludes(offset)->excludes(timestamp);
  offset->excludes(beginning)->excludes(timestamp);
  timestamp->excludes(beginning)->excludes(offset);
  c->add_option("--format", args->format,
                "Output per message: %k key, %v value, %h headers, %p partition, %o offset, "
                "%t timestamp, %T topic")
      ->capture_default_str();
  c->add_option("--max-messages", args->max_messages, "Stop after this many messages");
  c->add_flag("--exit-at-end", args->exit_at_end, "Stop at the end of every partition");
  c->footer(
      "Without --from-beginning, --offset or --timestamp, only new messages are printed.\n"
      "Examples:\n"
      "  gregor consume orders --from-beginning --exit-at-end\n"
      "  gregor consume orders --partition 0 --offset 42 --max-messages 10\n"
      "  gregor consume orders --from-beginning --format '%p:%o %k=%v %h'");
  c->callback([&options, args] { consume(options, *args); });
}

}  // namespace gregor::cli
