// gregor partitions reassign | reassignments: Kafka's AlterPartitionReassignments and
// ListPartitionReassignments, sent to the controller. librdkafka 2.0 has no API for them, and
// both are flexible-only, so they go through the broker-to-broker client
// (client/blocking_client.h).
#include <fmt/format.h>

#include <algorithm>
#include <fstream>
#include <iostream>
#include <map>
#include <set>

#include <nlohmann/json.hpp>

#include "cli/cli_error.h"
#include "cli/client.h"
#include "cli/cluster_metadata.h"
#include "cli/commands.h"
#include "cli/config_util.h"
#include "cli/output.h"
#include "client/blocking_client.h"
#include "common/error_code.h"
#include "protocol/messages/alter_partition_reassignments.h"
#include "protocol/messages/list_partition_reassignments.h"

namespace gregor::cli {
namespace {

using protocol::AlterPartitionReassignmentsRequest;
using protocol::AlterPartitionReassignmentsResponse;
using protocol::ListPartitionReassignmentsRequest;
using protocol::ListPartitionReassignmentsResponse;

struct ReassignArgs {
  std::string topic;
  std::vector<int32_t> partitions;
  std::vector<int32_t> replicas;
  std::string json_file;
  bool cancel = false;
  int64_t throttle = -1;  // bytes/s; -1: none
};

// (topic, partition) -> target replicas, or nullopt to cancel.
using Moves = std::map<std::pair<std::string, int32_t>, std::optional<std::vector<int32_t>>>;

// Kafka's reassignment JSON: {"version":1,"partitions":[{"topic":"t","partition":0,
// "replicas":[1,2]}]}, as kafka-reassign-partitions.sh reads it.
Moves moves_from_file(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw CliError("cannot read " + path);
  auto doc = nlohmann::json::parse(in, nullptr, false);
  if (!doc.is_object() || !doc["partitions"].is_array()) {
    throw CliError(path + ": not a reassignment plan ({\"version\":1,\"partitions\":[...]})");
  }
  Moves moves;
  for (const auto& p : doc["partitions"]) {
    if (!p.is_object() || !p["topic"].is_string() || !p["partition"].is_number_integer() ||
        !p["replicas"].is_array()) {
      throw CliError(path + ": every entry needs topic, partition and replicas");
    }
    std::vector<int32_t> replicas;
    for (const auto& id : p["replicas"]) {
      if (!id.is_number_integer()) throw CliError(path + ": replicas must be broker ids");
      replicas.push_back(id.get<int32_t>());
    }
    moves[{p["topic"].get<std::string>(), p["partition"].get<int32_t>()}] = replicas;
  }
  return moves;
}

Moves moves_from_args(const Client& client, const ReassignArgs& args) {
  if (!args.json_file.empty()) {
    if (!args.topic.empty()) throw CliError("give either --reassignment-json-file or --topic");
    return moves_from_file(args.json_file);
  }
  if (args.topic.empty()) throw CliError("give --topic or --reassignment-json-file");
  if (args.cancel == !args.replicas.empty()) throw CliError("give either --replicas or --cancel");
  auto partitions = args.partitions;
  if (partitions.empty())
    partitions = Client::partition_ids(Client::topic(*client.metadata(), args.topic));
  Moves moves;
  for (int32_t p : partitions) {
    moves[{args.topic, p}] =
        args.cancel ? std::nullopt : std::optional<std::vector<int32_t>>(args.replicas);
  }
  return moves;
}

// Sends `request` to the controller.
template <typename Response, typename Request>
Response ask_controller(const Client& client, const Request& request) {
  const auto md = cluster_metadata(client);
  const auto& controller = controller_of(md);
  const auto timeout = std::chrono::milliseconds(client.options().timeout_ms());
  client::BlockingClient broker("gregor-cli");
  std::string error;
  Response response;
  if (!broker.connect(controller.host, controller.port, timeout, error) ||
      !broker.call(Request::kApiKey, 0, request, response, timeout, error)) {
    throw CliError(fmt::format("controller {}:{}: {}", controller.host, controller.port, error));
  }
  if (response.error_code != 0) {
    throw CliError(fmt::format("refused by the controller: {}",
                               error_name(static_cast<ErrorCode>(response.error_code))));
  }
  return response;
}

constexpr const char* kLeaderRate = "leader.replication.throttled.rate";
constexpr const char* kFollowerRate = "follower.replication.throttled.rate";
constexpr const char* kLeaderReplicas = "leader.replication.throttled.replicas";
constexpr const char* kFollowerReplicas = "follower.replication.throttled.replicas";

std::vector<int32_t> replicas_of(const rd_kafka_metadata_topic_t& topic, int32_t partition) {
  for (int i = 0; i < topic.partition_cnt; ++i) {
    const auto& p = topic.partitions[i];
    if (p.id == partition) return {p.replicas, p.replicas + p.replica_cnt};
  }
  return {};
}

// Kafka's --throttle: each moving partition's current replicas are throttled leaders, its new
// ones throttled followers, and every broker involved gets both rates.
void set_throttle(const Client& client, const Moves& moves, int64_t rate) {
  const auto md = client.metadata();
  std::map<std::string, std::pair<std::string, std::string>> topics;  // leaders, followers
  std::set<int32_t> brokers;
  for (const auto& [tp, target] : moves) {
    if (!target) continue;
    const auto current = replicas_of(Client::topic(*md, tp.first), tp.second);
    auto& [leaders, followers] = topics[tp.first];
    for (int32_t id : current) {
      leaders += fmt::format("{}{}:{}", leaders.empty() ? "" : ",", tp.second, id);
      brokers.insert(id);
    }
    for (int32_t id : *target) {
      if (std::find(current.begin(), current.end(), id) != current.end()) continue;
      followers += fmt::format("{}{}:{}", followers.empty() ? "" : ",", tp.second, id);
      brokers.insert(id);
    }
  }
  for (const auto& [topic, lists] : topics) {
    change_overrides(client, RD_KAFKA_RESOURCE_TOPIC, topic,
                     RD_KAFKA_CONFIG_SOURCE_DYNAMIC_TOPIC_CONFIG,
                     {{kLeaderReplicas, lists.first}, {kFollowerReplicas, lists.second}}, {});
  }
  const std::string value = std::to_string(rate);
  for (int32_t id : brokers) {
    change_overrides(client, RD_KAFKA_RESOURCE_BROKER, std::to_string(id),
                     RD_KAFKA_CONFIG_SOURCE_DYNAMIC_BROKER_CONFIG,
                     {{kLeaderRate, value}, {kFollowerRate, value}}, {});
  }
  std::cout << fmt::format("Throttle of {} bytes/s set on {} broker(s)\n", rate, brokers.size());
}

// Removes what set_throttle set: the rates of every broker, the throttled replicas of every
// topic that has them.
void clear_throttle(const Client& client) {
  const auto md = client.metadata();
  for (int i = 0; i < md->broker_cnt; ++i) {
    change_overrides(client, RD_KAFKA_RESOURCE_BROKER, std::to_string(md->brokers[i].id),
                     RD_KAFKA_CONFIG_SOURCE_DYNAMIC_BROKER_CONFIG, {},
                     {kLeaderRate, kFollowerRate});
  }
  for (int i = 0; i < md->topic_cnt; ++i) {
    const std::string topic = md->topics[i].topic;
    const auto configs = describe_configs(client, RD_KAFKA_RESOURCE_TOPIC, topic);
    const bool throttled = std::any_of(configs.begin(), configs.end(), [](const ConfigInfo& c) {
      return c.source == RD_KAFKA_CONFIG_SOURCE_DYNAMIC_TOPIC_CONFIG &&
             (c.name == kLeaderReplicas || c.name == kFollowerReplicas);
    });
    if (throttled) {
      change_overrides(client, RD_KAFKA_RESOURCE_TOPIC, topic,
                       RD_KAFKA_CONFIG_SOURCE_DYNAMIC_TOPIC_CONFIG, {},
                       {kLeaderReplicas, kFollowerReplicas});
    }
  }
  std::cout << "Throttle removed\n";
}

void reassign(const GlobalOptions& options, const ReassignArgs& args) {
  Client client(options, Client::Kind::kProducer);
  AlterPartitionReassignmentsRequest request;
  request.timeout_ms = options.timeout_ms();
  const auto moves = moves_from_args(client, args);
  // Before the moves start, as Kafka's tool does, so that no byte goes unthrottled.
  if (args.throttle > 0) set_throttle(client, moves, args.throttle);
  for (const auto& [tp, replicas] : moves) {
    if (request.topics.empty() || request.topics.back().name != tp.first) {
      request.topics.emplace_back().name = tp.first;
    }
    request.topics.back().partitions.push_back({tp.second, replicas});
  }
  const auto response = ask_controller<AlterPartitionReassignmentsResponse>(client, request);
  Table results{{"TOPIC", "PARTITION", "RESULT", "MESSAGE"}, {}};
  size_t failed = 0;
  for (const auto& topic : response.responses) {
    for (const auto& p : topic.partitions) {
      const auto code = static_cast<ErrorCode>(p.error_code);
      results.rows.push_back({topic.name, p.partition_index,
                              code == ErrorCode::kNone ? "started" : std::string(error_name(code)),
                              p.error_message ? nlohmann::json(*p.error_message) : nullptr});
      if (code != ErrorCode::kNone) ++failed;
    }
  }
  std::sort(results.rows.begin(), results.rows.end());
  emit(results, options.output, std::cout);
  if (failed > 0) throw CliError(fmt::format("{} partition(s) not moved", failed));
}

nlohmann::json ids(const std::vector<int32_t>& list) {
  return nlohmann::json(list);
}

void list(const GlobalOptions& options, bool clear) {
  Client client(options, Client::Kind::kProducer);
  ListPartitionReassignmentsRequest request;
  request.timeout_ms = options.timeout_ms();
  const auto response = ask_controller<ListPartitionReassignmentsResponse>(client, request);
  Table moving{{"TOPIC", "PARTITION", "REPLICAS", "ADDING", "REMOVING"}, {}};
  for (const auto& topic : response.topics) {
    for (const auto& p : topic.partitions) {
      moving.rows.push_back({topic.name, p.partition_index, ids(p.replicas), ids(p.adding_replicas),
                             ids(p.removing_replicas)});
    }
  }
  if (moving.rows.empty() && options.output == OutputFormat::kTable) {
    std::cout << "No partition is being moved\n";
  } else {
    emit(moving, options.output, std::cout);
  }
  if (!clear) return;
  if (!moving.rows.empty()) {
    throw CliError(fmt::format("throttle kept: {} partition(s) still moving", moving.rows.size()));
  }
  clear_throttle(client);
}

}  // namespace

void add_reassign_commands(CLI::App& partitions, const GlobalOptions& options) {
  auto args = std::make_shared<ReassignArgs>();
  auto* r = partitions.add_subcommand(
      "reassign", "Move partitions to other brokers (or cancel a move in progress)");
  auto* topic = r->add_option("--topic", args->topic, "The topic whose partitions to move");
  r->add_option("--partition", args->partitions, "Only this partition (repeatable)")->needs(topic);
  r->add_option("--replicas", args->replicas, "The new replicas, preferred leader first")
      ->delimiter(',')
      ->needs(topic);
  r->add_flag("--cancel", args->cancel, "Cancel the move in progress")->needs(topic);
  r->add_option("--throttle", args->throttle,
                "Throttle the moves' replication to this many bytes/s (Kafka's KIP-73 configs "
                "on the brokers and topics involved)")
      ->check(CLI::PositiveNumber);
  r->add_option("--reassignment-json-file", args->json_file,
                "A plan in Kafka's format: {\"version\":1,\"partitions\":[{\"topic\":\"t\","
                "\"partition\":0,\"replicas\":[1,2]}]}")
      ->excludes(topic);
  r->footer(
      "The move runs in the background: the new replicas copy the partition, join the ISR, then "
      "the old ones are dropped. Follow it with `gregor partitions reassignments`.\n"
      "Examples:\n  gregor partitions reassign --topic orders --partition 0 --replicas 2,3\n"
      "  gregor partitions reassign --reassignment-json-file plan.json\n"
      "  gregor partitions reassign --topic orders --partition 0 --cancel\n"
      "  gregor partitions reassign --topic orders --replicas 2,3 --throttle 10000000");
  r->callback([&options, args] { reassign(options, *args); });

  auto* l = partitions.add_subcommand("reassignments", "List the partition moves in progress");
  l->footer(
      "Examples:\n  gregor partitions reassignments\n  gregor partitions reassignments --output "
      "json\n  gregor partitions reassignments --clear-throttle");
  auto clear = std::make_shared<bool>(false);
  l->add_flag("--clear-throttle", *clear,
              "Once no partition moves, remove the throttle set by `reassign --throttle`");
  l->callback([&options, clear] { list(options, *clear); });
}

}  // namespace gregor::cli
