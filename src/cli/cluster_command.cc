// gregor cluster info; gregor partitions elect-leaders (Kafka's ElectLeaders, sent to the
// controller as a raw request: librdkafka 2.0 has no API for it).
#include <fmt/format.h>

#include <algorithm>
#include <iostream>

#include "cli/broker_request.h"
#include "cli/cli_error.h"
#include "cli/client.h"
#include "cli/cluster_metadata.h"
#include "cli/commands.h"
#include "cli/output.h"
#include "common/error_code.h"
#include "protocol/messages/elect_leaders.h"

namespace gregor::cli {
namespace {

constexpr int16_t kElectVersion = 1;  // the newest non-flexible version
constexpr int8_t kPreferredElection = 0;
constexpr int8_t kUncleanElection = 1;

void info(const GlobalOptions& options) {
  Client client(options, Client::Kind::kProducer);
  const auto md = cluster_metadata(client);
  Table brokers{{"ID", "HOST", "PORT", "RACK", "CONTROLLER"}, {}};
  for (const auto& broker : md.brokers) {
    brokers.rows.push_back({broker.node_id, broker.host, broker.port,
                            broker.rack ? nlohmann::json(*broker.rack) : nlohmann::json(nullptr),
                            broker.node_id == md.controller_id});
  }
  std::sort(brokers.rows.begin(), brokers.rows.end());
  if (options.output == OutputFormat::kJson) {
    nlohmann::json out = {{"cluster_id", md.cluster_id ? nlohmann::json(*md.cluster_id) : nullptr},
                          {"controller", md.controller_id},
                          {"brokers", brokers.to_json()}};
    std::cout << out.dump() << '\n';
    return;
  }
  std::cout << "Cluster id: " << md.cluster_id.value_or("-") << '\n'
            << "Controller: " << md.controller_id << '\n';
  brokers.print(std::cout);
}

struct ElectArgs {
  std::string topic;
  std::vector<int32_t> partitions;
  bool all = false;
  std::string election_type = "preferred";
};

// The request's partitions: null for --all, else the topic's (all, or those given).
protocol::ElectLeadersRequest election_request(const Client& client, const ElectArgs& args) {
  protocol::ElectLeadersRequest request;
  request.election_type = args.election_type == "unclean" ? kUncleanElection : kPreferredElection;
  request.timeout_ms = client.options().timeout_ms();
  if (args.all) return request;
  auto& topic = request.topic_partitions.emplace().emplace_back();
  topic.topic = args.topic;
  topic.partitions = args.partitions;
  if (topic.partitions.empty()) {
    auto md = client.metadata();
    topic.partitions = Client::partition_ids(Client::topic(*md, args.topic));
  }
  return request;
}

// Kafka's name of the error, as the broker's logs and Kafka's tools show it.
std::string result_name(int16_t code) {
  if (code == 0) return "elected";
  return std::string(error_name(static_cast<ErrorCode>(code)));
}

void elect_leaders(const GlobalOptions& options, const ElectArgs& args) {
  if (args.all == !args.topic.empty()) throw CliError("give either --topic or --all");
  Client client(options, Client::Kind::kProducer);
  const auto request = election_request(client, args);
  const auto md = cluster_metadata(client);
  const auto& controller = controller_of(md);
  const auto response = send_request<protocol::ElectLeadersResponse>(
      controller.host, controller.port, request, kElectVersion, options.timeout_ms());
  if (!response) throw CliError(client.unreachable_message());
  if (response->error_code != 0) {
    throw CliError("leader election refused: " + result_name(response->error_code));
  }
  Table results{{"TOPIC", "PARTITION", "RESULT", "MESSAGE"}, {}};
  size_t failed = 0;
  for (const auto& topic : response->replica_election_results) {
    for (const auto& p : topic.partition_result) {
      results.rows.push_back({topic.topic, p.partition_id, result_name(p.error_code),
                              p.error_message ? nlohmann::json(*p.error_message) : nullptr});
      const auto code = static_cast<ErrorCode>(p.error_code);
      if (code != ErrorCode::kNone && code != ErrorCode::kElectionNotNeeded) ++failed;
    }
  }
  std::sort(results.rows.begin(), results.rows.end());
  if (results.rows.empty() && options.output == OutputFormat::kTable) {
    std::cout << "Every partition is led by its preferred replica\n";
  } else {
    emit(results, options.output, std::cout);
  }
  if (failed > 0) throw CliError(fmt::format("{} partition(s) got no new leader", failed));
}

}  // namespace

void add_cluster_commands(CLI::App& app, const GlobalOptions& options) {
  auto* cluster = app.add_subcommand("cluster", "Show the cluster: its id, controller and brokers");
  cluster->require_subcommand(1);
  auto* i = cluster->add_subcommand("info", "Show the cluster id, the controller and the brokers");
  i->footer("Examples:\n  gregor cluster info\n  gregor cluster info --output json");
  i->callback([&options] { info(options); });
  add_broker_info_commands(*cluster, options);

  auto* partitions = app.add_subcommand("partitions", "Operations on partitions across brokers");
  partitions->require_subcommand(1);
  auto args = std::make_shared<ElectArgs>();
  auto* e = partitions->add_subcommand(
      "elect-leaders", "Make each partition's preferred replica (the first) its leader again");
  auto* topic = e->add_option("--topic", args->topic, "The topic whose partitions to elect");
  e->add_option("--partition", args->partitions, "Only this partition (repeatable)")->needs(topic);
  e->add_flag("--all", args->all, "Every partition not led by its preferred replica")
      ->excludes(topic);
  e->add_option("--election-type", args->election_type,
                "preferred, or unclean: an out-of-sync replica when no in-sync one is alive")
      ->check(CLI::IsMember({"preferred", "unclean"}))
      ->capture_default_str();
  e->footer(
      "Examples:\n  gregor partitions elect-leaders --all\n"
      "  gregor partitions elect-leaders --topic orders --partition 0");
  e->callback([&options, args] { elect_leaders(options, *args); });
  add_reassign_commands(*partitions, options);
}

}  // namespace gregor::cli
