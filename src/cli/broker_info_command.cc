// gregor cluster api-versions and gregor cluster log-dirs: what each broker says of itself in
// ApiVersions and DescribeLogDirs. librdkafka 2.0 exposes neither per broker, so each request
// goes to every broker directly (cli/broker_request.h, the generated message structs).
#include <fmt/format.h>

#include <algorithm>
#include <iostream>
#include <set>

#include "cli/api_versions_view.h"
#include "cli/broker_request.h"
#include "cli/cli_error.h"
#include "cli/client.h"
#include "cli/cluster_metadata.h"
#include "cli/commands.h"
#include "cli/output.h"
#include "common/error_code.h"
#include "protocol/messages/api_versions.h"
#include "protocol/messages/describe_log_dirs.h"

namespace gregor::cli {
namespace {

// The versions asked for: the newest non-flexible ones, which every Kafka since 2.4 answers.
constexpr int16_t kApiVersionsVersion = 2;
constexpr int16_t kLogDirsVersion = 1;

using Broker = protocol::MetadataResponse::MetadataResponseBroker;

// The brokers of the cluster, sorted by id: all of them, or those of `ids` (CliError for an id
// that is not a live broker).
std::vector<Broker> brokers(const Client& client, const std::vector<int32_t>& ids) {
  auto md = cluster_metadata(client);
  std::sort(md.brokers.begin(), md.brokers.end(),
            [](const Broker& a, const Broker& b) { return a.node_id < b.node_id; });
  if (ids.empty()) return md.brokers;
  std::vector<Broker> chosen;
  for (const auto& broker : md.brokers) {
    if (std::find(ids.begin(), ids.end(), broker.node_id) != ids.end()) chosen.push_back(broker);
  }
  for (const int32_t id : ids) {
    const bool found = std::any_of(chosen.begin(), chosen.end(),
                                   [id](const Broker& b) { return b.node_id == id; });
    if (!found) {
      std::vector<int32_t> live;
      for (const auto& broker : md.brokers)
        live.push_back(broker.node_id);
      throw CliError(
          fmt::format("no broker {} in the cluster (its brokers: {})", id, fmt::join(live, ",")));
    }
  }
  return chosen;
}

std::string no_answer(const Broker& broker, std::string_view api) {
  return fmt::format("broker {} at {}:{} did not answer {} (only plaintext listeners can be asked)",
                     broker.node_id, broker.host, broker.port, api);
}

nlohmann::json optional_json(const std::optional<int16_t>& value) {
  return value ? nlohmann::json(*value) : nlohmann::json(nullptr);
}

void api_versions(const GlobalOptions& options, const std::vector<int32_t>& ids) {
  Client client(options, Client::Kind::kProducer);
  Table table{{"BROKER", "API", "KEY", "MIN", "MAX", "USABLE"}, {}};
  nlohmann::json out = nlohmann::json::array();
  for (const auto& broker : brokers(client, ids)) {
    const auto response = send_request<protocol::ApiVersionsResponse>(
        broker.host, broker.port, protocol::ApiVersionsRequest{}, kApiVersionsVersion,
        options.timeout_ms());
    if (!response) throw CliError(no_answer(broker, "ApiVersions"));
    if (response->error_code != 0) {
      throw CliError(fmt::format("broker {} refused ApiVersions: {}", broker.node_id,
                                 error_name(static_cast<ErrorCode>(response->error_code))));
    }
    std::vector<ApiVersionRange> ranges;
    for (const auto& api : response->api_keys)
      ranges.push_back({api.api_key, api.min_version, api.max_version});
    nlohmann::json apis = nlohmann::json::array();
    for (const auto& row : compare_api_versions(ranges, protocol::kApiSchemas)) {
      const nlohmann::json usable = row.usable         ? nlohmann::json(*row.usable)
                                    : row.note.empty() ? nlohmann::json(nullptr)
                                                       : nlohmann::json(row.note);
      table.rows.push_back({broker.node_id, row.name, row.key, optional_json(row.broker_min),
                            optional_json(row.broker_max), usable});
      apis.push_back(
          {{"key", row.key},
           {"name", row.name},
           {"min", optional_json(row.broker_min)},
           {"max", optional_json(row.broker_max)},
           {"usable", optional_json(row.usable)},
           {"note", row.note.empty() ? nlohmann::json(nullptr) : nlohmann::json(row.note)}});
    }
    out.push_back({{"broker", broker.node_id},
                   {"host", broker.host},
                   {"port", broker.port},
                   {"rack", broker.rack ? nlohmann::json(*broker.rack) : nullptr},
                   {"apis", apis}});
  }
  if (options.output == OutputFormat::kJson) {
    std::cout << out.dump() << '\n';
  } else {
    table.print(std::cout);
  }
}

struct LogDirsArgs {
  std::vector<int32_t> brokers;
  std::vector<std::string> topics;
};

void log_dirs(const GlobalOptions& options, const LogDirsArgs& args) {
  Client client(options, Client::Kind::kProducer);
  const std::set<std::string> topics(args.topics.begin(), args.topics.end());
  Table table{{"BROKER", "LOG_DIR", "ERROR", "TOPIC", "PARTITION", "SIZE", "OFFSET_LAG", "FUTURE"},
              {}};
  nlohmann::json out = nlohmann::json::array();
  for (const auto& broker : brokers(client, args.brokers)) {
    protocol::DescribeLogDirsRequest request;  // no topics: every partition of every log dir
    const auto response = send_request<protocol::DescribeLogDirsResponse>(
        broker.host, broker.port, request, kLogDirsVersion, options.timeout_ms());
    if (!response) throw CliError(no_answer(broker, "DescribeLogDirs"));
    for (const auto& dir : response->results) {
      const nlohmann::json error =
          dir.error_code == 0 ? nlohmann::json(nullptr)
                              : nlohmann::json(error_name(static_cast<ErrorCode>(dir.error_code)));
      nlohmann::json partitions = nlohmann::json::array();
      for (const auto& topic : dir.topics) {
        if (!topics.empty() && !topics.contains(topic.name)) continue;
        for (const auto& p : topic.partitions) {
          table.rows.push_back({broker.node_id, dir.log_dir, error, topic.name, p.partition_index,
                                p.partition_size, p.offset_lag, p.is_future_key});
          partitions.push_back({{"topic", topic.name},
                                {"partition", p.partition_index},
                                {"size", p.partition_size},
                                {"offset_lag", p.offset_lag},
                                {"is_future", p.is_future_key}});
        }
      }
      if (partitions.empty()) {  // the log dir still shows, as Kafka's tool lists it
        table.rows.push_back(
            {broker.node_id, dir.log_dir, error, nullptr, nullptr, nullptr, nullptr, nullptr});
      }
      out.push_back({{"broker", broker.node_id},
                     {"log_dir", dir.log_dir},
                     {"error", error},
                     {"partitions", partitions}});
    }
  }
  if (options.output == OutputFormat::kJson) {
    std::cout << out.dump() << '\n';
  } else {
    table.print(std::cout);
  }
}

}  // namespace

void add_broker_info_commands(CLI::App& cluster, const GlobalOptions& options) {
  auto ids = std::make_shared<std::vector<int32_t>>();
  auto* a = cluster.add_subcommand("api-versions",
                                   "Show each broker's API versions and the ones gregor would use");
  a->add_option("--broker", *ids, "Only this broker id (repeatable)");
  a->footer(
      "USABLE is the newest version both the broker and gregor know, or why there is none.\n"
      "Examples:\n  gregor cluster api-versions\n  gregor cluster api-versions --broker 1 "
      "--output json");
  a->callback([&options, ids] { api_versions(options, *ids); });

  auto args = std::make_shared<LogDirsArgs>();
  auto* l = cluster.add_subcommand(
      "log-dirs", "Show each broker's log directories and the partitions in them, with sizes");
  l->add_option("--broker", args->brokers, "Only this broker id (repeatable)");
  l->add_option("--topic", args->topics, "Only this topic's partitions (repeatable)");
  l->footer(
      "Examples:\n  gregor cluster log-dirs\n  gregor cluster log-dirs --broker 1 --topic orders "
      "--output json");
  l->callback([&options, args] { log_dirs(options, *args); });
}

}  // namespace gregor::cli
