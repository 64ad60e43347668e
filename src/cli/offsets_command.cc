// gregor offsets (earliest, latest or at a time) and gregor records delete (DeleteRecords).
#include <fmt/format.h>

#include <iostream>

#include "cli/cli_error.h"
#include "cli/client.h"
#include "cli/commands.h"
#include "cli/output.h"

namespace gregor::cli {
namespace {

struct OffsetsArgs {
  std::string topic;
  std::vector<int32_t> partitions;
  std::string time = "latest";
  int64_t offset = -1;
};

std::vector<int32_t> partitions_of(const Client& client, const OffsetsArgs& args) {
  return Client::partition_ids(Client::topic(*client.metadata(), args.topic), args.partitions);
}

// Kafka's kafka-get-offsets accepts -1 (latest) and -2 (earliest) too.
std::optional<int64_t> parse_time(const std::string& time) {
  if (time == "latest" || time == "-1") return std::nullopt;
  if (time == "earliest" || time == "-2") return -2;
  try {
    size_t used = 0;
    const int64_t ms = std::stoll(time, &used);
    if (used == time.size() && ms >= 0) return ms;
  } catch (const std::exception&) {
  }
  throw CliError("--time must be earliest, latest or a timestamp in ms, got '" + time + "'");
}

void offsets(const GlobalOptions& options, const OffsetsArgs& args) {
  const auto time = parse_time(args.time);
  Client client(options, Client::Kind::kProducer);
  Table table{{"TOPIC", "PARTITION", "OFFSET"}, {}};
  for (int32_t p : partitions_of(client, args)) {
    int64_t offset = -1;
    if (!time || *time == -2) {
      const auto [low, high] = client.watermarks(args.topic, p);
      offset = time ? low : high;
    } else {
      auto* list = rd_kafka_topic_partition_list_new(1);
      rd_kafka_topic_partition_list_add(list, args.topic.c_str(), p)->offset = *time;
      const auto err = rd_kafka_offsets_for_times(client.handle(), list, options.timeout_ms());
      offset = list->elems[0].offset;
      rd_kafka_topic_partition_list_destroy(list);
      check(client, err, "offsets by time");
    }
    table.rows.push_back({args.topic, p, offset});
  }
  emit(table, options.output, std::cout);
}

void delete_records(const GlobalOptions& options, const OffsetsArgs& args) {
  Client client(options, Client::Kind::kProducer);
  auto* list = rd_kafka_topic_partition_list_new(1);
  for (int32_t p : partitions_of(client, args)) {
    rd_kafka_topic_partition_list_add(list, args.topic.c_str(), p)->offset = args.offset;
  }
  rd_kafka_DeleteRecords_t* request = rd_kafka_DeleteRecords_new(list);
  rd_kafka_topic_partition_list_destroy(list);
  Event event = client.admin([&](rd_kafka_AdminOptions_t* admin_options, rd_kafka_queue_t* queue) {
    rd_kafka_DeleteRecords(client.handle(), &request, 1, admin_options, queue);
  });
  rd_kafka_DeleteRecords_destroy(request);
  const auto* results =
      rd_kafka_DeleteRecords_result_offsets(rd_kafka_event_DeleteRecords_result(event.get()));
  Table table{{"TOPIC", "PARTITION", "LOW_WATERMARK"}, {}};
  for (int i = 0; results && i < results->cnt; ++i) {
    const auto& tp = results->elems[i];
    if (tp.err == RD_KAFKA_RESP_ERR_OFFSET_OUT_OF_RANGE) {
      const auto high = client.watermarks(args.topic, tp.partition).second;
      throw CliError(fmt::format("offset {} is beyond the end of {}-{} (latest offset {})",
                                 args.offset, args.topic, tp.partition, high));
    }
    check(client, tp.err, fmt::format("delete records of {}-{}", args.topic, tp.partition));
    table.rows.push_back({args.topic, tp.partition, tp.offset});
  }
  emit(table, options.output, std::cout);
}

}  // namespace

void add_offsets_commands(CLI::App& app, const GlobalOptions& options) {
  auto args = std::make_shared<OffsetsArgs>();
  auto* o = app.add_subcommand("offsets", "Show partition offsets: earliest, latest or at a time");
  o->add_option("topic", args->topic, "Topic")->required();
  o->add_option("--partition", args->partitions, "Only this partition (repeatable)");
  o->add_option("--time", args->time, "earliest, latest, or a timestamp in ms")
      ->capture_default_str();
  o->footer(
      "Examples:\n"
      "  gregor offsets orders\n"
      "  gregor offsets orders --time earliest\n"
      "  gregor offsets orders --partition 0 --time 1700000000000");
  o->callback([&options, args] { offsets(options, *args); });

  auto* records = app.add_subcommand("records", "Delete records");
  records->require_subcommand(1);
  records->footer("Examples:\n  gregor records delete orders --offset 100");
  auto* d = records->add_subcommand("delete", "Delete the records before an offset");
  d->add_option("topic", args->topic, "Topic")->required();
  d->add_option("--partition", args->partitions, "Only this partition (repeatable)");
  d->add_option("--offset", args->offset,
                "Delete every record below this offset (-1: up to the latest offset)")
      ->required();
  d->footer(
      "Examples:\n"
      "  gregor records delete orders --partition 0 --offset 100\n"
      "  gregor records delete orders --offset -1");
  d->callback([&options, args] { delete_records(options, *args); });
}

}  // namespace gregor::cli
