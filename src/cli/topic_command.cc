// gregor topic create|list|describe|delete|add-partitions, on librdkafka's Admin API.
#include <fmt/format.h>
#include <fmt/ranges.h>

#include <iostream>

#include "cli/cli_error.h"
#include "cli/client.h"
#include "cli/commands.h"
#include "cli/config_util.h"
#include "cli/log_dirs.h"
#include "cli/output.h"

namespace gregor::cli {
namespace {

// Topic-level results of CreateTopics, DeleteTopics and CreatePartitions.
void check_topic_results(const rd_kafka_topic_result_t** results, size_t count,
                         const std::string& action) {
  for (size_t i = 0; i < count; ++i) {
    const auto err = rd_kafka_topic_result_error(results[i]);
    if (err == RD_KAFKA_RESP_ERR_NO_ERROR) continue;
    const std::string name = rd_kafka_topic_result_name(results[i]);
    if (err == RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART) {
      throw CliError(fmt::format("unknown topic '{}': see `gregor topic list`", name));
    }
    const char* message = rd_kafka_topic_result_error_string(results[i]);
    throw CliError(fmt::format("cannot {} topic '{}': {}", action, name,
                               message ? message : rd_kafka_err2str(err)));
  }
}

struct CreateArgs {
  std::string topic;
  int partitions = -1;
  int replication_factor = -1;
  std::vector<std::string> configs;
  bool if_not_exists = false;
  bool validate_only = false;
};

void create(const GlobalOptions& options, const CreateArgs& args) {
  Client client(options, Client::Kind::kProducer);
  client.metadata();  // fails fast, with one line, when no broker answers
  char errstr[512];
  rd_kafka_NewTopic_t* topic = rd_kafka_NewTopic_new(
      args.topic.c_str(), args.partitions, args.replication_factor, errstr, sizeof errstr);
  if (topic == nullptr) throw CliError(errstr);
  for (const auto& [key, value] : parse_assignments(args.configs)) {
    rd_kafka_NewTopic_set_config(topic, key.c_str(), value.c_str());
  }
  Event event = client.admin(
      [&](rd_kafka_AdminOptions_t* admin_options, rd_kafka_queue_t* queue) {
        rd_kafka_CreateTopics(client.handle(), &topic, 1, admin_options, queue);
      },
      args.validate_only);
  rd_kafka_NewTopic_destroy(topic);
  size_t count = 0;
  auto results =
      rd_kafka_CreateTopics_result_topics(rd_kafka_event_CreateTopics_result(event.get()), &count);
  if (args.if_not_exists && count == 1 &&
      rd_kafka_topic_result_error(results[0]) == RD_KAFKA_RESP_ERR_TOPIC_ALREADY_EXISTS) {
    return;
  }
  check_topic_results(results, count, "create");
  std::cout << (args.validate_only ? "Valid: topic " : "Created topic ") << args.topic << '\n';
}

void list(const GlobalOptions& options) {
  Client client(options, Client::Kind::kProducer);
  auto md = client.metadata();
  Table table{{"TOPIC", "PARTITIONS"}, {}};
  std::vector<std::pair<std::string, int>> topics;
  for (int i = 0; i < md->topic_cnt; ++i)
    topics.emplace_back(md->topics[i].topic, md->topics[i].partition_cnt);
  std::sort(topics.begin(), topics.end());
  for (const auto& [name, partitions] : topics)
    table.rows.push_back({name, partitions});
  if (options.output == OutputFormat::kJson) return emit(table, options.output, std::cout);
  for (const auto& [name, _] : topics)
    std::cout << name << '\n';
}

std::vector<nlohmann::json> ids(const int32_t* values, int count) {
  return std::vector<nlohmann::json>(values, values + count);
}

struct DescribeArgs {
  std::string topic;
  bool under_replicated = false;  // only partitions whose ISR is smaller than their replicas
  bool unavailable = false;       // only partitions without a leader
};

bool is_offline(const rd_kafka_metadata_partition_t& partition) {
  return partition.leader < 0;
}

bool is_under_replicated(const rd_kafka_metadata_partition_t& partition) {
  return partition.isr_cnt < partition.replica_cnt;
}

bool wanted(const DescribeArgs& args, const rd_kafka_metadata_partition_t& partition) {
  if (!args.under_replicated && !args.unavailable) return true;
  return (args.under_replicated && is_under_replicated(partition)) ||
         (args.unavailable && is_offline(partition));
}

// The ids of the partitions that `test` picks, for the summary under the table.
std::string partitions_where(const rd_kafka_metadata_topic_t& topic,
                             bool (*test)(const rd_kafka_metadata_partition_t&)) {
  std::vector<int32_t> found;
  for (int p = 0; p < topic.partition_cnt; ++p) {
    if (test(topic.partitions[p])) found.push_back(topic.partitions[p].id);
  }
  std::sort(found.begin(), found.end());
  return fmt::format("{}", fmt::join(found, ", "));
}

void describe(const GlobalOptions& options, const DescribeArgs& args) {
  const std::string& name = args.topic;
  Client client(options, Client::Kind::kProducer);
  auto md = client.metadata();
  const auto& topic = Client::topic(*md, name);
  const auto sizes = partition_sizes(client, *md, topic);
  Table partitions{{"PARTITION", "LEADER", "REPLICAS", "ISR", "EARLIEST", "LATEST", "SIZE"}, {}};
  for (int p = 0; p < topic.partition_cnt; ++p) {
    const auto& partition = topic.partitions[p];
    if (!wanted(args, partition)) continue;
    // An offline partition has no leader to ask for its offsets.
    std::pair<nlohmann::json, nlohmann::json> offsets{nullptr, nullptr};
    if (!is_offline(partition)) offsets = client.watermarks(name, partition.id);
    const auto size = sizes.find(partition.id);
    partitions.rows.push_back(
        {partition.id, partition.leader, ids(partition.replicas, partition.replica_cnt),
         ids(partition.isrs, partition.isr_cnt), offsets.first, offsets.second,
         size == sizes.end() ? nlohmann::json(nullptr) : nlohmann::json(size->second)});
  }
  std::sort(partitions.rows.begin(), partitions.rows.end());
  const auto configs = describe_configs(client, RD_KAFKA_RESOURCE_TOPIC, name);
  Table overrides{{"NAME", "VALUE"}, {}};
  for (const auto& entry : configs) {
    if (entry.source == RD_KAFKA_CONFIG_SOURCE_DYNAMIC_TOPIC_CONFIG) {
      overrides.rows.push_back({entry.name, entry.value});
    }
  }
  if (options.output == OutputFormat::kJson) {
    nlohmann::json out = {{"topic", name},
                          {"partitions", partitions.to_json()},
                          {"configs", nlohmann::json::object()}};
    for (const auto& row : overrides.rows)
      out["configs"][row[0].get<std::string>()] = row[1];
    std::cout << out.dump() << '\n';
    return;
  }
  std::cout << "Topic: " << name << "  Partitions: " << topic.partition_cnt << '\n';
  partitions.print(std::cout);
  if (const auto under = partitions_where(topic, is_under_replicated); !under.empty()) {
    std::cout << "Under-replicated partitions (ISR smaller than replicas): " << under << '\n';
  }
  if (const auto offline = partitions_where(topic, is_offline); !offline.empty()) {
    std::cout << "Offline partitions (no leader): " << offline << '\n';
  }
  if (overrides.rows.empty()) {
    std::cout << "Configs: all defaults\n";
  } else {
    std::cout << "Configs (differing from defaults):\n";
    overrides.print(std::cout);
  }
}

void remove(const GlobalOptions& options, const std::string& name) {
  Client client(options, Client::Kind::kProducer);
  Client::topic(*client.metadata(), name);
  rd_kafka_DeleteTopic_t* topic = rd_kafka_DeleteTopic_new(name.c_str());
  Event event = client.admin([&](rd_kafka_AdminOptions_t* admin_options, rd_kafka_queue_t* queue) {
    rd_kafka_DeleteTopics(client.handle(), &topic, 1, admin_options, queue);
  });
  rd_kafka_DeleteTopic_destroy(topic);
  size_t count = 0;
  auto results =
      rd_kafka_DeleteTopics_result_topics(rd_kafka_event_DeleteTopics_result(event.get()), &count);
  check_topic_results(results, count, "delete");
  std::cout << "Deleted topic " << name << '\n';
}

void add_partitions(const GlobalOptions& options, const std::string& name, int total) {
  Client client(options, Client::Kind::kProducer);
  Client::topic(*client.metadata(), name);
  char errstr[512];
  auto* partitions =
      rd_kafka_NewPartitions_new(name.c_str(), static_cast<size_t>(total), errstr, sizeof errstr);
  if (partitions == nullptr) throw CliError(errstr);
  Event event = client.admin([&](rd_kafka_AdminOptions_t* admin_options, rd_kafka_queue_t* queue) {
    rd_kafka_CreatePartitions(client.handle(), &partitions, 1, admin_options, queue);
  });
  rd_kafka_NewPartitions_destroy(partitions);
  size_t count = 0;
  auto results = rd_kafka_CreatePartitions_result_topics(
      rd_kafka_event_CreatePartitions_result(event.get()), &count);
  check_topic_results(results, count, "add partitions to");
  std::cout << "Topic " << name << " now has " << total << " partitions\n";
}

}  // namespace

void add_topic_commands(CLI::App& app, const GlobalOptions& options) {
  auto* topic = app.add_subcommand("topic", "Create, list, describe and delete topics");
  topic->require_subcommand(1);
  topic->footer("Examples:\n  gregor topic list\n  gregor topic describe orders");

  auto create_args = std::make_shared<CreateArgs>();
  auto* c = topic->add_subcommand("create", "Create a topic");
  c->add_option("topic", create_args->topic, "Topic name")->required();
  c->add_option("--partitions", create_args->partitions,
                "Number of partitions (default: the broker's num.partitions)");
  c->add_option("--replication-factor", create_args->replication_factor,
                "Replicas per partition (default: the broker's default.replication.factor)");
  c->add_option("--config", create_args->configs, "Topic config override KEY=VALUE (repeatable)");
  c->add_flag("--if-not-exists", create_args->if_not_exists, "Succeed if the topic exists");
  c->add_flag("--validate-only", create_args->validate_only, "Check the request, create nothing");
  c->footer(
      "Examples:\n"
      "  gregor topic create orders --partitions 3\n"
      "  gregor topic create events --config retention.ms=86400000 --config "
      "cleanup.policy=compact");
  c->callback([&options, create_args] { create(options, *create_args); });

  auto* l = topic->add_subcommand("list", "List the topics");
  l->footer("Examples:\n  gregor topic list\n  gregor topic list --output json");
  l->callback([&options] { list(options); });

  auto name = std::make_shared<std::string>();
  auto describe_args = std::make_shared<DescribeArgs>();
  auto* d = topic->add_subcommand(
      "describe",
      "Show partitions, leaders, replicas, ISR, offsets, sizes on disk and non-default configs");
  d->add_option("topic", describe_args->topic, "Topic name")->required();
  d->add_flag("--under-replicated", describe_args->under_replicated,
              "Only partitions whose ISR is smaller than their replicas");
  d->add_flag("--unavailable", describe_args->unavailable, "Only partitions without a leader");
  d->footer(
      "Examples:\n  gregor topic describe orders\n  gregor topic describe orders --output json\n"
      "  gregor topic describe orders --under-replicated");
  d->callback([&options, describe_args] { describe(options, *describe_args); });

  auto* r = topic->add_subcommand("delete", "Delete a topic and its data");
  r->add_option("topic", *name, "Topic name")->required();
  r->footer("Examples:\n  gregor topic delete orders");
  r->callback([&options, name] { remove(options, *name); });

  auto total = std::make_shared<int>(0);
  auto* a = topic->add_subcommand("add-partitions", "Grow a topic to more partitions");
  a->add_option("topic", *name, "Topic name")->required();
  a->add_option("--total", *total, "The new total number of partitions")->required();
  a->footer("Examples:\n  gregor topic add-partitions orders --total 6");
  a->callback([&options, name, total] { add_partitions(options, *name, *total); });
}

}  // namespace gregor::cli
