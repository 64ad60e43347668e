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

#include <cstdint>
#include <map>
#include <string>

#include "storage/topic_partition.h"

namespace gregor::storage {

inline constexpr char kRecoveryPointCheckpoint[] = "recovery-point-offset-checkpoint";
inline constexpr char kLogStartOffsetCheckpoint[] = "log-start-offset-checkpoint";
// Per compacted log: the offset below which the cleaner has cleaned it (its next first dirty
// offset), so that a restart does not clean the log again from its start.
inline constexpr char kCleanerOffsetCheckpoint[] = "cleaner-offset-checkpoint";

using OffsetMap = std::map<TopicPartition, int64_t>;

enum class CheckpointStatus { kOk, kMissing, kCorrupt };

struct CheckpointRead {
  CheckpointStatus status = CheckpointStatus::kMissing;
  OffsetMap offsets;  // empty unless kOk
};

// Reads a checkpoint file. kCorrupt for an unreadable file, a version other than 0, a count
// that disagrees with the lines, or a malformed line.
CheckpointRead read_checkpoint(const std::string& path);

std::string format_checkpoint(const OffsetMap& offsets);
bool write_checkpoint(const std::string& path, const OffsetMap& offsets);

}  // namespace gregor::storage
