// Per-partition log settings: Kafka's topic-level configs (segment.bytes, segment.ms, ...) after
// the broker defaults and the topic's overrides have been applied (broker/log_config_keys.cc).
// A plain value: a Log keeps its own copy and can be handed a new one (Log::set_config).
#pragma once

#include <cstdint>
#include <limits>
#include <optional>
#include <string>

#include "protocol/record_batch.h"

namespace gregor::storage {

struct LogConfig {
  int32_t segment_bytes = 1073741824;      // roll the active segment before it exceeds this
  int64_t segment_ms = 604800000;          // roll the active segment when it is this old
  int32_t segment_index_bytes = 10485760;  // preallocated size of each index file
  int32_t index_interval_bytes = 4096;     // log bytes between two index entries
  int32_t max_message_bytes = 1048588;     // largest batch accepted (checked by the caller)
  protocol::TimestampType timestamp_type = protocol::TimestampType::kCreateTime;
  int64_t flush_messages = std::numeric_limits<int64_t>::max();
  int64_t flush_ms = std::numeric_limits<int64_t>::max();
  // Retention (Log::delete_expired_segments) and compaction (LogCleaner); -1: unlimited.
  int64_t retention_ms = 604800000;
  int64_t retention_bytes = -1;
  std::string cleanup_policy = "delete";   // "delete", "compact" or "compact,delete"
  int64_t segment_jitter_ms = 0;           // a random part of segment.ms, per segment
  int64_t delete_retention_ms = 86400000;  // tombstones outlive their cleaning by this much
  double min_cleanable_dirty_ratio = 0.5;  // clean when dirty bytes / total bytes reach this
  int64_t min_compaction_lag_ms = 0;       // records younger than this are never cleaned
  int64_t max_compaction_lag_ms = std::numeric_limits<int64_t>::max();  // then clean anyway
  // Replication: acks=all needs this many in-sync replicas (else NOT_ENOUGH_REPLICAS), and
  // whether an out-of-sync replica may lead when no in-sync one is left.
  int32_t min_insync_replicas = 1;
  bool unclean_leader_election_enable = false;
  // Replication throttling (KIP-73). The topic's throttled replicas, as given (validated by
  // broker/throttled_replicas.h; "" none, "*" all), and the broker's rates in bytes/s: broker-level
  // keys only, kept here so that they are dynamic like the log defaults.
  std::string leader_throttled_replicas;
  std::string follower_throttled_replicas;
  int64_t leader_throttled_rate = std::numeric_limits<int64_t>::max();
  int64_t follower_throttled_rate = std::numeric_limits<int64_t>::max();

  // compression.type: the codec batches are stored in; nullopt ("producer") keeps the producer's.
  // The broker recompresses a produced batch whose codec differs (broker::Partition::append).
  std::optional<protocol::Compression> compression;
  // KIP-390 levels, used when the broker recompresses (Kafka's defaults; -1: zlib's own).
  int32_t compression_gzip_level = -1;
  int32_t compression_lz4_level = 9;
  int32_t compression_zstd_level = 3;
  // CreateTime records further than this from the broker's clock are refused (INVALID_TIMESTAMP).
  // `before`/`after` (Kafka 3.6) bound each side and, when left unlimited, fall back to
  // `difference`; see timestamp_bounds().
  int64_t message_timestamp_difference_max_ms = std::numeric_limits<int64_t>::max();
  int64_t message_timestamp_before_max_ms = std::numeric_limits<int64_t>::max();
  int64_t message_timestamp_after_max_ms = std::numeric_limits<int64_t>::max();

  // Kafka keys that are accepted, validated and described but change nothing in Gregor (see
  // docs/configuration.md, "Topic configs" for why each is without effect).
  int64_t file_delete_delay_ms = 60000;
  bool preallocate = false;
  std::string message_format_version = "3.0-IV1";
  bool message_downconversion_enable = true;
  bool remote_storage_enable = false;  // only false is accepted: there is no remote tier
  int64_t local_retention_ms = -2;     // -2: retention.ms
  int64_t local_retention_bytes = -2;  // -2: retention.bytes
  bool remote_log_copy_disable = false;
  bool remote_log_delete_on_disable = false;
};

// How far a CreateTime timestamp may lie before and after the broker's clock.
struct TimestampBounds {
  int64_t before_ms;
  int64_t after_ms;
  bool unlimited() const {
    return before_ms == std::numeric_limits<int64_t>::max() &&
           after_ms == std::numeric_limits<int64_t>::max();
  }
};

// Kafka's rule: a side left at its default (unlimited) takes message.timestamp.difference.max.ms.
// LogAppendTime topics never check (the broker's clock replaces the producer's).
inline TimestampBounds timestamp_bounds(const LogConfig& config) {
  constexpr int64_t kUnlimited = std::numeric_limits<int64_t>::max();
  if (config.timestamp_type == protocol::TimestampType::kLogAppendTime) {
    return {kUnlimited, kUnlimited};
  }
  auto side = [&](int64_t own) {
    return own != kUnlimited ? own : config.message_timestamp_difference_max_ms;
  };
  return {side(config.message_timestamp_before_max_ms),
          side(config.message_timestamp_after_max_ms)};
}

// cleanup.policy contains `compact`: the log cleaner compacts the log, records need keys.
inline bool is_compacted(const LogConfig& config) {
  return config.cleanup_policy.find("compact") != std::string::npos;
}

}  // namespace gregor::storage
