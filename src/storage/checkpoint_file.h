// Kafka's offset checkpoint files, one per log directory: `recovery-point-offset-checkpoint`,
// `log-start-offset-checkpoint` and `cleaner-offset-checkpoint`. Text:
//   0                      <- format version
//   2                      <- number of entries
//   my-topic 0 1234        <- topic, partition, offset; one line each
//   my-topic 1 88
// Written atomically (temp file, fsync, rename, fsync of the directory), so a crash leaves the
// old or the new file. Called by LogManager (its background checkpoint and shutdown, and for
// the log cleaner) under its checkpoint mutex; the functions themselves are stateless.
#pragma once

#include <charconv>
#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "common/env.h"
#include "storage/topic_partition.h"

namespace gregor::storage {

inline constexpr char kRecoveryPointCheckpoint[] = "recovery-point-offset-checkpoint";
inline constexpr char kLogStartOffsetCheckpoint[] = "log-start-offset-checkpoint";
// Per compacted log: the offset below which the cleaner has cleaned it (its next first dirty
// offset), so that a restart does not clean the log again from its start.
inline constexpr char kCleanerOffsetCheckpoint[] = "cleaner-offset-checkpoint";
// Per replicated partition: its high watermark, so that after a restart consumers see at once
// what was committed before (a leader's followers have to report again before it can move).
inline constexpr char kReplicationOffsetCheckpoint[] = "replication-offset-checkpoint";

using OffsetMap = std::map<TopicPartition, int64_t>;

enum class CheckpointStatus { kOk, kMissing, kCorrupt };

struct CheckpointRead {
  CheckpointStatus status = CheckpointStatus::kMissing;
  OffsetMap offsets;  // empty unless kOk
};

// Reads a checkpoint file. kCorrupt for an unreadable file, a version other than 0, a count
// that disagrees with the lines, or a malformed line.
CheckpointRead read_checkpoint(const std::string& path, Env& env = Env::posix());

std::string format_checkpoint(const OffsetMap& offsets);
bool write_checkpoint(const std::string& path, const OffsetMap& offsets, Env& env = Env::posix());

// ---- the layout shared with other checkpoint files (leader_epoch_cache.h) ----

// Reads a file laid out as version line `0`, count line, then `count` entry lines, passing each
// entry line to `parse_entry`. kCorrupt for an unreadable file, another version, a count that
// disagrees with the lines, or an entry `parse_entry` refuses.
CheckpointStatus read_checkpoint_entries(Env& env, const std::string& path,
                                         const std::function<bool(std::string_view)>& parse_entry);
// The version and count lines for `count` entries, to which the caller appends the entries.
std::string checkpoint_preamble(size_t count);
// `line` cut at every `separator` ("a b" -> {"a", "b"}).
std::vector<std::string_view> split_fields(std::string_view line, char separator = ' ');
// A whole decimal number (no sign other than '-', no spaces); false if `text` is anything else.
template <typename T>
bool parse_decimal(std::string_view text, T& out) {
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), out);
  return error == std::errc() && end == text.data() + text.size() && !text.empty();
}

}  // namespace gregor::storage
