// gregor group reset-offsets: moves a group's committed offsets, as kafka-consumer-groups
// --reset-offsets does. A dry run unless --execute; refused while the group has active members
// (their positions would overwrite the reset at their next commit).
#include <fmt/format.h>

#include <iostream>

#include "cli/cli_error.h"
#include "cli/client.h"
#include "cli/commands.h"
#include "cli/group_admin.h"
#include "cli/offset_reset.h"
#include "cli/output.h"

namespace gregor::cli {
namespace {

struct ResetArgs {
  std::string group;
  std::vector<std::string> topics;
  bool all_topics = false;
  bool to_earliest = false;
  bool to_latest = false;
  std::optional<int64_t> to_offset;
  std::optional<std::string> to_datetime;
  std::optional<int64_t> shift_by;
  bool execute = false;
  bool dry_run = false;
};

ResetTarget target_of(const ResetArgs& args) {
  using Kind = ResetTarget::Kind;
  if (args.to_earliest) return {Kind::kEarliest, 0};
  if (args.to_latest) return {Kind::kLatest, 0};
  if (args.to_offset) return {Kind::kOffset, *args.to_offset};
  if (args.to_datetime) return {Kind::kDatetime, parse_datetime_ms(*args.to_datetime)};
  return {Kind::kShiftBy, *args.shift_by};
}

// The partitions to reset: those named by --topic, or every one the group committed.
std::vector<TopicPartition> chosen_partitions(const Client& client, const ResetArgs& args,
                                              const std::map<TopicPartition, int64_t>& committed) {
  std::vector<TopicPartition> out;
  if (args.all_topics) {
    for (const auto& [tp, _] : committed)
      out.push_back(tp);
    if (out.empty()) {
      throw CliError(fmt::format(
          "group '{}' has no committed offsets: name the topics with --topic", args.group));
    }
    return out;
  }
  const auto md = client.metadata();
  for (const auto& text : args.topics) {
    const auto spec = parse_topic_spec(text);
    for (int32_t p : Client::partition_ids(Client::topic(*md, spec.topic), spec.partitions))
      out.emplace_back(spec.topic, p);
  }
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

// The first offset at or after `ms` of each partition (none where no message is that late).
std::map<TopicPartition, std::optional<int64_t>> offsets_at(
    const Client& client, const std::vector<TopicPartition>& partitions, int64_t ms) {
  auto* list = rd_kafka_topic_partition_list_new(static_cast<int>(partitions.size()));
  for (const auto& tp : partitions)
    rd_kafka_topic_partition_list_add(list, tp.topic.c_str(), tp.partition)->offset = ms;
  const auto err = rd_kafka_offsets_for_times(client.handle(), list, client.options().timeout_ms());
  std::map<TopicPartition, std::optional<int64_t>> out;
  for (int i = 0; i < list->cnt; ++i) {
    const auto& tp = list->elems[i];
    if (tp.offset >= 0) out[{tp.topic, tp.partition}] = tp.offset;
  }
  rd_kafka_topic_partition_list_destroy(list);
  check(client, err, "offsets for --to-datetime");
  return out;
}

void refuse_if_active(const GroupInfo& group) {
  if (!group.active()) return;
  throw CliError(fmt::format(
      "cannot reset offsets of group '{}': it has {} active member(s) (state {}); stop its "
      "consumers first",
      group.id, group.members.size(), group.state));
}

void reset(const GlobalOptions& options, const ResetArgs& args) {
  require_group_id(args.group);
  const ResetTarget target = target_of(args);
  Client client(options, Client::Kind::kProducer);
  client.metadata();
  refuse_if_active(describe_group(client, args.group, /*must_exist=*/false));
  const auto committed = committed_offsets(client, args.group);
  const auto partitions = chosen_partitions(client, args, committed);
  std::map<TopicPartition, std::optional<int64_t>> at_time;
  if (target.kind == ResetTarget::Kind::kDatetime)
    at_time = offsets_at(client, partitions, target.value);

  std::map<TopicPartition, int64_t> new_offsets;
  Table table{{"TOPIC", "PARTITION", "CURRENT", "NEW"}, {}};
  for (const auto& tp : partitions) {
    const auto [earliest, latest] = client.watermarks(tp.topic, tp.partition);
    const auto found = committed.find(tp);
    PartitionOffsets known{found == committed.end() ? std::nullopt : std::optional(found->second),
                           earliest, latest, at_time[tp]};
    new_offsets[tp] = reset_offset(target, known, partition_name(tp));
    table.rows.push_back({tp.topic, tp.partition,
                          known.committed ? nlohmann::json(*known.committed) : nullptr,
                          new_offsets[tp]});
  }
  if (args.execute) alter_offsets(client, args.group, new_offsets);
  emit(table, options.output, std::cout);
  std::cerr << (args.execute ? fmt::format("Committed the new offsets of group {}\n", args.group)
                             : std::string("Dry run: nothing changed; add --execute to apply\n"));
}

}  // namespace

void add_group_reset_command(CLI::App& group, const GlobalOptions& options) {
  auto args = std::make_shared<ResetArgs>();
  auto* r = group.add_subcommand("reset-offsets",
                                 "Move a group's committed offsets (a dry run unless --execute)");
  r->add_option("group", args->group, "Group id (it must have no active members)")->required();
  auto* topic = r->add_option("--topic", args->topics,
                              "Topic, or TOPIC:P1,P2 for some partitions (repeatable)");
  auto* all = r->add_flag("--all-topics", args->all_topics,
                          "Every topic the group has committed offsets for");
  topic->excludes(all);
  auto* targets = r->add_option_group("target", "Where to move the offsets (choose one)");
  targets->add_flag("--to-earliest", args->to_earliest, "The earliest offset of each partition");
  targets->add_flag("--to-latest", args->to_latest, "The latest offset (skip everything)");
  targets->add_option("--to-offset", args->to_offset, "This offset (kept within the log)");
  targets->add_option("--to-datetime", args->to_datetime,
                      "The first message at or after YYYY-MM-DDTHH:MM:SS[.sss][Z|+hh:mm] "
                      "(local time without a zone) or a time in ms");
  targets->add_option("--shift-by", args->shift_by,
                      "The committed offset plus N (negative: back), kept within the log");
  targets->require_option(1);
  auto* execute =
      r->add_flag("--execute", args->execute, "Commit the new offsets (otherwise only show them)");
  r->add_flag("--dry-run", args->dry_run, "Only show the new offsets (the default)")
      ->excludes(execute);
  r->callback([&options, args] {
    if (args->topics.empty() && !args->all_topics) {
      throw CLI::RequiredError("--topic or --all-topics");
    }
    reset(options, *args);
  });
  r->footer(
      "Examples:\n"
      "  gregor group reset-offsets billing --topic orders --to-earliest\n"
      "  gregor group reset-offsets billing --topic orders:0,1 --shift-by -10 --execute\n"
      "  gregor group reset-offsets billing --all-topics --to-datetime 2026-11-29T08:00:00Z "
      "--execute");
}

}  // namespace gregor::cli
