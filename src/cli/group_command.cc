// gregor group list|describe|delete (reset-offsets is in group_reset.cc), on librdkafka's Admin
// API: ListConsumerGroups, DescribeConsumerGroups, ListConsumerGroupOffsets, DeleteGroups.
#include <fmt/format.h>

#include <iostream>
#include <set>

#include "cli/cli_error.h"
#include "cli/client.h"
#include "cli/commands.h"
#include "cli/group_admin.h"
#include "cli/output.h"

namespace gregor::cli {
namespace {

void list(const GlobalOptions& options) {
  Client client(options, Client::Kind::kProducer);
  client.metadata();  // fails fast, with one line, when no broker answers
  Event event = client.admin([&](rd_kafka_AdminOptions_t* admin_options, rd_kafka_queue_t* queue) {
    rd_kafka_ListConsumerGroups(client.handle(), admin_options, queue);
  });
  const auto* result = rd_kafka_event_ListConsumerGroups_result(event.get());
  size_t error_count = 0;
  const auto** errors = rd_kafka_ListConsumerGroups_result_errors(result, &error_count);
  if (error_count > 0) throw CliError(rd_kafka_error_string(errors[0]));
  size_t count = 0;
  const auto** groups = rd_kafka_ListConsumerGroups_result_valid(result, &count);
  Table table{{"GROUP", "STATE"}, {}};
  for (size_t i = 0; i < count; ++i) {
    table.rows.push_back(
        {rd_kafka_ConsumerGroupListing_group_id(groups[i]),
         rd_kafka_consumer_group_state_name(rd_kafka_ConsumerGroupListing_state(groups[i]))});
  }
  std::sort(table.rows.begin(), table.rows.end());
  emit(table, options.output, std::cout);
}

// Who consumes each partition, by member id.
std::map<TopicPartition, std::string> owners(const GroupInfo& group) {
  std::map<TopicPartition, std::string> out;
  for (const auto& member : group.members) {
    for (const auto& tp : member.assignment)
      out[tp] = member.id;
  }
  return out;
}

// Empty texts as null, so that a table shows "-" and keeps its columns.
nlohmann::json text_or_null(const std::string& text) {
  return text.empty() ? nlohmann::json(nullptr) : nlohmann::json(text);
}

Table members_table(const GroupInfo& group) {
  Table table{{"MEMBER", "CLIENT_ID", "HOST", "ASSIGNMENT"}, {}};
  for (const auto& member : group.members) {
    std::vector<std::string> names;
    for (const auto& tp : member.assignment)
      names.push_back(partition_name(tp));
    table.rows.push_back({member.id, text_or_null(member.client_id), text_or_null(member.host),
                          text_or_null(fmt::format("{}", fmt::join(names, ",")))});
  }
  return table;
}

// Every partition the group committed or is assigned, with its committed offset, log-end offset
// and lag (null where nothing was committed).
Table offsets_table(const Client& client, const GroupInfo& group) {
  const auto committed = committed_offsets(client, group.id);
  const auto owner = owners(group);
  std::set<TopicPartition> partitions;
  for (const auto& [tp, _] : committed)
    partitions.insert(tp);
  for (const auto& [tp, _] : owner)
    partitions.insert(tp);
  Table table{{"TOPIC", "PARTITION", "COMMITTED", "LOG_END", "LAG", "MEMBER"}, {}};
  for (const auto& tp : partitions) {
    const int64_t log_end = client.watermarks(tp.topic, tp.partition).second;
    const auto found = committed.find(tp);
    nlohmann::json offset = nullptr;
    nlohmann::json lag = nullptr;
    if (found != committed.end()) {
      offset = found->second;
      lag = std::max<int64_t>(0, log_end - found->second);
    }
    const auto member = owner.find(tp);
    table.rows.push_back(
        {tp.topic, tp.partition, offset, log_end, lag,
         member == owner.end() ? nlohmann::json(nullptr) : nlohmann::json(member->second)});
  }
  return table;
}

void describe(const GlobalOptions& options, const std::string& id) {
  require_group_id(id);
  Client client(options, Client::Kind::kProducer);
  client.metadata();
  const GroupInfo group = describe_group(client, id);
  const Table members = members_table(group);
  const Table offsets = offsets_table(client, group);
  if (options.output == OutputFormat::kJson) {
    nlohmann::json out = {{"group", group.id},
                          {"state", group.state},
                          {"assignor", group.assignor},
                          {"coordinator", group.coordinator},
                          {"members", members.to_json()},
                          {"offsets", offsets.to_json()}};
    for (size_t i = 0; i < group.members.size(); ++i) {  // partitions as objects, for scripts
      auto& assignment = out["members"][i]["assignment"] = nlohmann::json::array();
      for (const auto& [topic, partition] : group.members[i].assignment)
        assignment.push_back({{"topic", topic}, {"partition", partition}});
    }
    std::cout << out.dump() << '\n';
    return;
  }
  std::cout << fmt::format("Group: {}  State: {}  Members: {}  Coordinator: {}  Assignor: {}\n",
                           group.id, group.state, group.members.size(), group.coordinator,
                           group.assignor.empty() ? "-" : group.assignor);
  if (!group.members.empty()) members.print(std::cout);
  if (offsets.rows.empty()) {
    std::cout << "No committed offsets\n";
  } else {
    offsets.print(std::cout);
  }
}

void remove(const GlobalOptions& options, const std::string& id) {
  require_group_id(id);
  Client client(options, Client::Kind::kProducer);
  client.metadata();
  rd_kafka_DeleteGroup_t* group = rd_kafka_DeleteGroup_new(id.c_str());
  Event event = client.admin([&](rd_kafka_AdminOptions_t* admin_options, rd_kafka_queue_t* queue) {
    rd_kafka_DeleteGroups(client.handle(), &group, 1, admin_options, queue);
  });
  rd_kafka_DeleteGroup_destroy(group);
  size_t count = 0;
  const auto** results =
      rd_kafka_DeleteGroups_result_groups(rd_kafka_event_DeleteGroups_result(event.get()), &count);
  if (count != 1) throw CliError(fmt::format("the broker did not answer for group '{}'", id));
  if (const auto* error = rd_kafka_group_result_error(results[0])) {
    switch (rd_kafka_error_code(error)) {
      case RD_KAFKA_RESP_ERR_GROUP_ID_NOT_FOUND:
        throw CliError(unknown_group_message(id));
      case RD_KAFKA_RESP_ERR_NON_EMPTY_GROUP:
        throw CliError(fmt::format(
            "cannot delete group '{}': it has active members; stop its consumers first", id));
      default:
        check(client, rd_kafka_error_code(error), fmt::format("delete group '{}'", id));
    }
  }
  std::cout << "Deleted group " << id << '\n';
}

}  // namespace

void add_group_commands(CLI::App& app, const GlobalOptions& options) {
  auto* group =
      app.add_subcommand("group", "List, describe, delete consumer groups, reset offsets");
  group->require_subcommand(1);
  group->footer(
      "Examples:\n  gregor group list\n  gregor group describe billing\n"
      "  gregor group reset-offsets billing --topic orders --to-earliest --execute");

  auto* l = group->add_subcommand("list", "List the consumer groups and their states");
  l->footer("Examples:\n  gregor group list\n  gregor group list --output json");
  l->callback([&options] { list(options); });

  auto id = std::make_shared<std::string>();
  auto* d = group->add_subcommand(
      "describe", "Show members, assignments, committed offsets, log-end offsets and lag");
  d->add_option("group", *id, "Group id")->required();
  d->footer(
      "Examples:\n  gregor group describe billing\n  gregor group describe billing --output json");
  d->callback([&options, id] { describe(options, *id); });

  auto* r = group->add_subcommand("delete", "Delete a group without members and its offsets");
  r->add_option("group", *id, "Group id")->required();
  r->footer("Examples:\n  gregor group delete billing");
  r->callback([&options, id] { remove(options, *id); });

  add_group_reset_command(*group, options);
}

}  // namespace gregor::cli
