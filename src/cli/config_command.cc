// gregor config get|set|delete, for topics and brokers. librdkafka 2.0 has AlterConfigs, not
// IncrementalAlterConfigs, so set and delete read the current overrides and send the whole
// resulting set.
#include <fmt/format.h>

#include <iostream>
#include <map>

#include "cli/cli_error.h"
#include "cli/client.h"
#include "cli/commands.h"
#include "cli/config_util.h"
#include "cli/output.h"

namespace gregor::cli {
namespace {

// A topic, a broker (by id) or the cluster-wide broker defaults (the empty broker name).
struct Target {
  std::string topic;
  std::string broker;
  bool broker_defaults = false;

  rd_kafka_ResourceType_t type() const {
    return topic.empty() ? RD_KAFKA_RESOURCE_BROKER : RD_KAFKA_RESOURCE_TOPIC;
  }
  const std::string& name() const { return topic.empty() ? broker : topic; }
  std::string description() const {
    if (!topic.empty()) return "topic " + topic;
    return broker_defaults ? std::string("the broker defaults") : "broker " + broker;
  }
  // The source of the values this target overrides itself.
  rd_kafka_ConfigSource_t own_source() const {
    if (!topic.empty()) return RD_KAFKA_CONFIG_SOURCE_DYNAMIC_TOPIC_CONFIG;
    return broker_defaults ? RD_KAFKA_CONFIG_SOURCE_DYNAMIC_DEFAULT_BROKER_CONFIG
                           : RD_KAFKA_CONFIG_SOURCE_DYNAMIC_BROKER_CONFIG;
  }
};

void add_target(CLI::App* command, Target& target) {
  auto* topic = command->add_option("--topic", target.topic, "The topic whose configs to use");
  auto* broker =
      command->add_option("--broker", target.broker, "The broker id whose configs to use");
  auto* defaults = command->add_flag("--broker-defaults", target.broker_defaults,
                                     "The dynamic defaults of every broker (log.* keys)");
  topic->excludes(broker)->excludes(defaults);
  broker->excludes(topic)->excludes(defaults);
  defaults->excludes(topic)->excludes(broker);
  command->require_option(1, 0);
}

// librdkafka sends a broker's configs request to that broker: an id that is not in the cluster
// would only time out.
void check_broker(const Client& client, const Target& target) {
  if (target.broker.empty()) return;
  const auto md = client.metadata();
  std::string ids;
  for (int i = 0; i < md->broker_cnt; ++i) {
    if (std::to_string(md->brokers[i].id) == target.broker) return;
    ids += (ids.empty() ? "" : ", ") + std::to_string(md->brokers[i].id);
  }
  throw CliError(
      fmt::format("unknown broker {}: the cluster's brokers are {}", target.broker, ids));
}

void get(const GlobalOptions& options, const Target& target, const std::vector<std::string>& keys) {
  Client client(options, Client::Kind::kProducer);
  check_broker(client, target);
  const auto configs = describe_configs(client, target.type(), target.name());
  Table table{{"NAME", "VALUE", "SOURCE"}, {}};
  for (const auto& key : keys) {
    bool known = false;
    for (const auto& c : configs)
      known = known || c.name == key;
    if (!known) throw CliError(fmt::format("unknown config name '{}'", key));
  }
  for (const auto& c : configs) {
    if (!keys.empty() && std::find(keys.begin(), keys.end(), c.name) == keys.end()) continue;
    table.rows.push_back({c.name, c.value, source_name(c.source)});
  }
  emit(table, options.output, std::cout);
}

void set(const GlobalOptions& options, const Target& target, const std::vector<std::string>& args) {
  const auto changes = parse_assignments(args);
  Client client(options, Client::Kind::kProducer);
  check_broker(client, target);
  change_overrides(client, target.type(), target.name(), target.own_source(), changes, {});
  std::cout << "Updated configs of " << target.description() << '\n';
}

void remove(const GlobalOptions& options, const Target& target,
            const std::vector<std::string>& keys) {
  Client client(options, Client::Kind::kProducer);
  check_broker(client, target);
  change_overrides(client, target.type(), target.name(), target.own_source(), {}, keys);
  std::cout << "Deleted config overrides of " << target.description() << '\n';
}

}  // namespace

void add_config_commands(CLI::App& app, const GlobalOptions& options) {
  auto* config = app.add_subcommand("config", "Show and change topic and broker configs");
  config->require_subcommand(1);
  config->footer(
      "Examples:\n  gregor config get --topic orders\n  gregor config set --topic orders "
      "retention.ms=86400000");

  auto target = std::make_shared<Target>();
  auto args = std::make_shared<std::vector<std::string>>();

  auto* g = config->add_subcommand("get", "Show configs with their values and sources");
  add_target(g, *target);
  g->add_option("keys", *args, "Only these config names");
  g->footer(
      "Examples:\n"
      "  gregor config get --topic orders\n"
      "  gregor config get --topic orders retention.ms\n"
      "  gregor config get --broker 0 --output json");
  g->callback([&options, target, args] { get(options, *target, *args); });

  auto* s = config->add_subcommand("set", "Set config overrides (take effect without restart)");
  add_target(s, *target);
  s->add_option("configs", *args, "KEY=VALUE pairs")->required();
  s->footer(
      "Examples:\n"
      "  gregor config set --topic orders retention.ms=86400000 max.message.bytes=2000000\n"
      "  gregor config set --broker 0 log.retention.ms=3600000     # this broker's default\n"
      "  gregor config set --broker-defaults log.segment.bytes=536870912  # every broker's");
  s->callback([&options, target, args] { set(options, *target, *args); });

  auto* d = config->add_subcommand("delete", "Remove config overrides (back to the defaults)");
  add_target(d, *target);
  d->add_option("keys", *args, "Config names")->required();
  d->footer(
      "Examples:\n  gregor config delete --topic orders retention.ms\n"
      "  gregor config delete --broker-defaults log.segment.bytes");
  d->callback([&options, target, args] { remove(options, *target, *args); });
}

}  // namespace gregor::cli
