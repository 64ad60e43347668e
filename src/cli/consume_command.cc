// gregor consume: prints a topic's messages with librdkafka's consumer. Without a group it
// assign()s partitions directly (no group coordinator, no commits).
#include <fmt/format.h>

#include <chrono>
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
  std::vector<int32_t> partitions;
  bool from_beginning = false;
  std::optional<int64_t> offset;
  std::optional<int64_t> timestamp;
  std::string format = "%v";
  int64_t max_messages = -1;
  bool exit_at_end = false;
  std::string group;  // empty: assign() the partitions, no group
  std::optional<int64_t> idle_timeout_ms;
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

// Without a group: assign() the partitions at the chosen positions, commit nothing.
size_t assign(const Client& client, const ConsumeArgs& args) {
  const auto partitions =
      Client::partition_ids(Client::topic(*client.metadata(), args.topic), args.partitions);
  auto* list = start_positions(client, args, partitions);
  const auto err = rd_kafka_assign(client.handle(), list);
  rd_kafka_topic_partition_list_destroy(list);
  check(client, err, "assign");
  return partitions.size();
}

// With --group: subscribe() and share the partitions with the group's other members, starting
// at the group's committed offsets and committing as messages are printed.
void subscribe(const Client& client, const ConsumeArgs& args) {
  Client::topic(*client.metadata(), args.topic);
  auto* list = rd_kafka_topic_partition_list_new(1);
  rd_kafka_topic_partition_list_add(list, args.topic.c_str(), RD_KAFKA_PARTITION_UA);
  const auto err = rd_kafka_subscribe(client.handle(), list);
  rd_kafka_topic_partition_list_destroy(list);
  check(client, err, "subscribe");
}

// The number of partitions this consumer reads now (a group may share them out).
size_t assigned_count(const Client& client) {
  rd_kafka_topic_partition_list_t* list = nullptr;
  if (rd_kafka_assignment(client.handle(), &list) != RD_KAFKA_RESP_ERR_NO_ERROR) return 0;
  const size_t count = static_cast<size_t>(list->cnt);
  rd_kafka_topic_partition_list_destroy(list);
  return count;
}

void consume(const GlobalOptions& options, const ConsumeArgs& args) {
  const bool in_group = !args.group.empty();
  Client client(options, Client::Kind::kConsumer,
                {{"enable.auto.commit", in_group ? "true" : "false"},
                 {"enable.partition.eof", args.exit_at_end ? "true" : "false"},
                 {"auto.offset.reset", args.from_beginning ? "earliest" : "latest"},
                 {"group.id", in_group ? args.group : "gregor-cli"}});
  size_t partition_count = 0;
  if (in_group) {
    subscribe(client, args);
  } else {
    partition_count = assign(client, args);
  }

  std::signal(SIGINT, [](int) { stop_requested = 1; });
  std::signal(SIGTERM, [](int) { stop_requested = 1; });
  std::set<int32_t> at_end;
  int64_t printed = 0;
  auto last_message = std::chrono::steady_clock::now();
  while (!stop_requested && (args.max_messages < 0 || printed < args.max_messages)) {
    rd_kafka_message_t* message = rd_kafka_consumer_poll(client.handle(), 200);
    if (message == nullptr) {
      std::cout.flush();  // nothing more to read now: show what was printed (stdout may be a pipe)
      if (args.idle_timeout_ms && std::chrono::steady_clock::now() - last_message >=
                                      std::chrono::milliseconds(*args.idle_timeout_ms)) {
        break;
      }
      continue;
    }
    last_message = std::chrono::steady_clock::now();
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
    if (in_group) partition_count = assigned_count(client);
    if (args.exit_at_end && partition_count > 0 && at_end.size() >= partition_count) break;
  }
  std::cout.flush();
  rd_kafka_consumer_close(client.handle());
}

}  // namespace

void add_consume_command(CLI::App& app, const GlobalOptions& options) {
  auto args = std::make_shared<ConsumeArgs>();
  auto* c = app.add_subcommand("consume", "Print a topic's messages");
  c->add_option("topic", args->topic, "Topic to consume")->required();
  auto* partition =
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
  auto* group = c->add_option("--group", args->group,
                              "Consume as a member of this group: share the partitions, start at "
                              "its committed offsets and commit");
  group->excludes(offset)->excludes(timestamp)->excludes(partition);
  c->add_option("--idle-timeout-ms", args->idle_timeout_ms,
                "Stop when no message has arrived for this many ms")
      ->check(CLI::NonNegativeNumber);
  c->footer(
      "Without --from-beginning, --offset or --timestamp, only new messages are printed.\n"
      "Examples:\n"
      "  gregor consume orders --from-beginning --exit-at-end\n"
      "  gregor consume orders --partition 0 --offset 42 --max-messages 10\n"
      "  gregor consume orders --from-beginning --format '%p:%o %k=%v %h'\n"
      "  gregor consume orders --group billing --from-beginning --max-messages 100");
  c->callback([&options, args] { consume(options, *args); });
}

}  // namespace gregor::cli
