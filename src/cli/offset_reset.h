// The pure part of `gregor group reset-offsets`: which partitions (--topic T or T:0,2), to which
// offset (--to-earliest, --to-latest, --to-offset, --to-datetime, --shift-by), kept inside the
// partition's [earliest, latest] range as Kafka's kafka-consumer-groups does.
//
//   auto spec = parse_topic_spec("orders:0,2");        // {"orders", {0, 2}}
//   ResetTarget target{ResetTarget::Kind::kShiftBy, -5};
//   auto offset = reset_offset(target, {.committed = 12, .earliest = 0, .latest = 20});  // 7
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace gregor::cli {

// "orders" (every partition) or "orders:0,2".
struct TopicSpec {
  std::string topic;
  std::vector<int32_t> partitions;  // empty: all of them
};

// CliError for an empty topic or a partition list that is not comma-separated numbers >= 0.
TopicSpec parse_topic_spec(const std::string& text);

// "2026-11-29T10:15:00" (local time), with optional ".sss" and "Z" or "+hh:mm"/"-hh:mm", or a
// plain number of milliseconds since the epoch. CliError naming the accepted forms otherwise.
int64_t parse_datetime_ms(const std::string& text);

struct ResetTarget {
  enum class Kind { kEarliest, kLatest, kOffset, kDatetime, kShiftBy };
  Kind kind = Kind::kEarliest;
  int64_t value = 0;  // the offset, the time in ms, or the shift
};

// What is known of one partition when its new offset is chosen.
struct PartitionOffsets {
  std::optional<int64_t> committed;  // none: the group never committed this partition
  int64_t earliest = 0;
  int64_t latest = 0;
  std::optional<int64_t> at_time;  // --to-datetime: the first offset at or after the time
};

// The new committed offset, clamped to [earliest, latest]. CliError for --shift-by on a partition
// without a committed offset (there is nothing to shift).
int64_t reset_offset(const ResetTarget& target, const PartitionOffsets& partition,
                     const std::string& partition_name);

}  // namespace gregor::cli
