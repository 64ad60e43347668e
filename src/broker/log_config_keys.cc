#include "broker/log_config_keys.h"

#include <array>
#include <cstdint>
#include <limits>

#include "broker/log_config_values.h"
#include "broker/throttled_replicas.h"
#include "common/config_value.h"

namespace gregor::broker {
namespace {

constexpr int64_t kInt32Max = std::numeric_limits<int32_t>::max();
constexpr int64_t kInt64Max = std::numeric_limits<int64_t>::max();

template <auto Member, int64_t Min, int64_t Max>
bool set_integer(storage::LogConfig& config, std::string_view value, std::string& error) {
  auto parsed = parse_integer(value, Min, Max, error);
  if (!parsed) return false;
  config.*Member = static_cast<std::remove_reference_t<decltype(config.*Member)>>(*parsed);
  return true;
}

template <auto Member>
std::string integer_text(const storage::LogConfig& config) {
  return std::to_string(config.*Member);
}

std::string timestamp_type_text(const storage::LogConfig& config) {
  return config.timestamp_type == protocol::TimestampType::kCreateTime ? "CreateTime"
                                                                       : "LogAppendTime";
}

std::string cleanup_policy_text(const storage::LogConfig& config) {
  return config.cleanup_policy;
}

std::string ratio_text(const storage::LogConfig& config) {
  std::string text = std::to_string(config.min_cleanable_dirty_ratio);
  while (text.size() > 3 && text.back() == '0')
    text.pop_back();  // "0.500000" -> "0.5"
  return text;
}

bool set_ratio(storage::LogConfig& config, std::string_view value, std::string& error) {
  auto parsed = parse_double(value, 0.0, 1.0, error);
  if (parsed) config.min_cleanable_dirty_ratio = *parsed;
  return parsed.has_value();
}

bool set_timestamp_type(storage::LogConfig& config, std::string_view value, std::string& error) {
  auto parsed = parse_choice(value, {"CreateTime", "LogAppendTime"}, error);
  if (!parsed) return false;
  config.timestamp_type = *parsed == "CreateTime" ? protocol::TimestampType::kCreateTime
                                                  : protocol::TimestampType::kLogAppendTime;
  return true;
}

bool set_cleanup_policy(storage::LogConfig& config, std::string_view value, std::string& error) {
  auto items = split_list(value);
  if (items.empty()) {
    error = "must be delete, compact or compact,delete";
    return false;
  }
  for (const auto& item : items) {
    if (item != "delete" && item != "compact") {
      error = "unknown policy " + item + "; must be delete, compact or compact,delete";
      return false;
    }
  }
  config.cleanup_policy = std::string(value);
  return true;
}

template <auto Member>
bool set_throttled_replicas(storage::LogConfig& config, std::string_view value,
                            std::string& error) {
  if (!parse_throttled_replicas(value, error)) return false;
  config.*Member = std::string(value);
  return true;
}

template <auto Member>
std::string string_text(const storage::LogConfig& config) {
  return config.*Member;
}

template <auto Member>
bool set_boolean(storage::LogConfig& config, std::string_view value, std::string& error) {
  auto parsed = parse_boolean(value, error);
  if (parsed) config.*Member = *parsed;
  return parsed.has_value();
}

template <auto Member>
std::string boolean_text(const storage::LogConfig& config) {
  return config.*Member ? "true" : "false";
}

bool set_compression(storage::LogConfig& config, std::string_view value, std::string& error) {
  return parse_compression_type(value, config.compression, error);
}

std::string compression_text(const storage::LogConfig& config) {
  return compression_type_text(config.compression);
}

// zlib's levels, or -1 for its default (Kafka's validator for compression.gzip.level).
bool set_gzip_level(storage::LogConfig& config, std::string_view value, std::string& error) {
  auto parsed = parse_integer(value, -1, 9, error);
  if (parsed && *parsed == 0) error = "must be -1 or between 1 and 9";
  if (!parsed || *parsed == 0) return false;
  config.compression_gzip_level = static_cast<int32_t>(*parsed);
  return true;
}

bool set_format_version(storage::LogConfig& config, std::string_view value, std::string& error) {
  if (!valid_message_format_version(value, error)) return false;
  config.message_format_version = std::string(value);
  return true;
}

// Gregor has no remote tier: enabling it is refused as Kafka refuses it on a broker without
// remote.log.storage.system.enable.
bool set_remote_storage(storage::LogConfig& config, std::string_view value, std::string& error) {
  auto parsed = parse_boolean(value, error);
  if (!parsed) return false;
  if (*parsed) {
    error = "tiered storage is not available on this broker";
    return false;
  }
  config.remote_storage_enable = false;
  return true;
}

using storage::LogConfig;

constexpr std::array kKeys = {
    LogConfigKey{"cleanup.policy", "log.cleanup.policy", &set_cleanup_policy, &cleanup_policy_text},
    LogConfigKey{"segment.bytes", "log.segment.bytes",
                 &set_integer<&LogConfig::segment_bytes, 14, kInt32Max>,
                 &integer_text<&LogConfig::segment_bytes>},
    LogConfigKey{"segment.ms", "log.roll.ms", &set_integer<&LogConfig::segment_ms, 1, kInt64Max>,
                 &integer_text<&LogConfig::segment_ms>},
    LogConfigKey{"segment.index.bytes", "log.index.size.max.bytes",
                 &set_integer<&LogConfig::segment_index_bytes, 8, kInt32Max>,
                 &integer_text<&LogConfig::segment_index_bytes>},
    LogConfigKey{"index.interval.bytes", "log.index.interval.bytes",
                 &set_integer<&LogConfig::index_interval_bytes, 0, kInt32Max>,
                 &integer_text<&LogConfig::index_interval_bytes>},
    LogConfigKey{"max.message.bytes", "message.max.bytes",
                 &set_integer<&LogConfig::max_message_bytes, 0, kInt32Max>,
                 &integer_text<&LogConfig::max_message_bytes>},
    LogConfigKey{"message.timestamp.type", "log.message.timestamp.type", &set_timestamp_type,
                 &timestamp_type_text},
    LogConfigKey{"flush.messages", "log.flush.interval.messages",
                 &set_integer<&LogConfig::flush_messages, 1, kInt64Max>,
                 &integer_text<&LogConfig::flush_messages>},
    LogConfigKey{"flush.ms", "log.flush.interval.ms",
                 &set_integer<&LogConfig::flush_ms, 0, kInt64Max>,
                 &integer_text<&LogConfig::flush_ms>},
    LogConfigKey{"retention.ms", "log.retention.ms",
                 &set_integer<&LogConfig::retention_ms, -1, kInt64Max>,
                 &integer_text<&LogConfig::retention_ms>},
    LogConfigKey{"retention.bytes", "log.retention.bytes",
                 &set_integer<&LogConfig::retention_bytes, -1, kInt64Max>,
                 &integer_text<&LogConfig::retention_bytes>},
    LogConfigKey{"segment.jitter.ms", "log.roll.jitter.ms",
                 &set_integer<&LogConfig::segment_jitter_ms, 0, kInt64Max>,
                 &integer_text<&LogConfig::segment_jitter_ms>},
    LogConfigKey{"delete.retention.ms", "log.cleaner.delete.retention.ms",
                 &set_integer<&LogConfig::delete_retention_ms, 0, kInt64Max>,
                 &integer_text<&LogConfig::delete_retention_ms>},
    LogConfigKey{"min.cleanable.dirty.ratio", "log.cleaner.min.cleanable.ratio", &set_ratio,
                 &ratio_text},
    LogConfigKey{"min.compaction.lag.ms", "log.cleaner.min.compaction.lag.ms",
                 &set_integer<&LogConfig::min_compaction_lag_ms, 0, kInt64Max>,
                 &integer_text<&LogConfig::min_compaction_lag_ms>},
    LogConfigKey{"max.compaction.lag.ms", "log.cleaner.max.compaction.lag.ms",
                 &set_integer<&LogConfig::max_compaction_lag_ms, 1, kInt64Max>,
                 &integer_text<&LogConfig::max_compaction_lag_ms>},
    LogConfigKey{"min.insync.replicas", "min.insync.replicas",
                 &set_integer<&LogConfig::min_insync_replicas, 1, kInt32Max>,
                 &integer_text<&LogConfig::min_insync_replicas>},
    LogConfigKey{"unclean.leader.election.enable", "unclean.leader.election.enable",
                 &set_boolean<&LogConfig::unclean_leader_election_enable>,
                 &boolean_text<&LogConfig::unclean_leader_election_enable>},
    LogConfigKey{"compression.type", "compression.type", &set_compression, &compression_text},
    LogConfigKey{"compression.gzip.level", "compression.gzip.level", &set_gzip_level,
                 &integer_text<&LogConfig::compression_gzip_level>},
    LogConfigKey{"compression.lz4.level", "compression.lz4.level",
                 &set_integer<&LogConfig::compression_lz4_level, 1, 17>,
                 &integer_text<&LogConfig::compression_lz4_level>},
    LogConfigKey{"compression.zstd.level", "compression.zstd.level",
                 &set_integer<&LogConfig::compression_zstd_level, -131072, 22>,
                 &integer_text<&LogConfig::compression_zstd_level>},
    LogConfigKey{"message.timestamp.difference.max.ms", "log.message.timestamp.difference.max.ms",
                 &set_integer<&LogConfig::message_timestamp_difference_max_ms, 0, kInt64Max>,
                 &integer_text<&LogConfig::message_timestamp_difference_max_ms>},
    LogConfigKey{"message.timestamp.before.max.ms", "log.message.timestamp.before.max.ms",
                 &set_integer<&LogConfig::message_timestamp_before_max_ms, 0, kInt64Max>,
                 &integer_text<&LogConfig::message_timestamp_before_max_ms>},
    LogConfigKey{"message.timestamp.after.max.ms", "log.message.timestamp.after.max.ms",
                 &set_integer<&LogConfig::message_timestamp_after_max_ms, 0, kInt64Max>,
                 &integer_text<&LogConfig::message_timestamp_after_max_ms>},
    // Accepted and described, without effect in Gregor (docs/configuration.md says why).
    LogConfigKey{"file.delete.delay.ms", "log.segment.delete.delay.ms",
                 &set_integer<&LogConfig::file_delete_delay_ms, 0, kInt64Max>,
                 &integer_text<&LogConfig::file_delete_delay_ms>},
    LogConfigKey{"preallocate", "log.preallocate", &set_boolean<&LogConfig::preallocate>,
                 &boolean_text<&LogConfig::preallocate>},
    LogConfigKey{"message.format.version", "log.message.format.version", &set_format_version,
                 &string_text<&LogConfig::message_format_version>, false},
    LogConfigKey{"message.downconversion.enable", "log.message.downconversion.enable",
                 &set_boolean<&LogConfig::message_downconversion_enable>,
                 &boolean_text<&LogConfig::message_downconversion_enable>},
    LogConfigKey{"local.retention.ms", "log.local.retention.ms",
                 &set_integer<&LogConfig::local_retention_ms, -2, kInt64Max>,
                 &integer_text<&LogConfig::local_retention_ms>},
    LogConfigKey{"local.retention.bytes", "log.local.retention.bytes",
                 &set_integer<&LogConfig::local_retention_bytes, -2, kInt64Max>,
                 &integer_text<&LogConfig::local_retention_bytes>},
    LogConfigKey{"remote.storage.enable", "", &set_remote_storage,
                 &boolean_text<&LogConfig::remote_storage_enable>},
    LogConfigKey{"remote.log.copy.disable", "", &set_boolean<&LogConfig::remote_log_copy_disable>,
                 &boolean_text<&LogConfig::remote_log_copy_disable>},
    LogConfigKey{"remote.log.delete.on.disable", "",
                 &set_boolean<&LogConfig::remote_log_delete_on_disable>,
                 &boolean_text<&LogConfig::remote_log_delete_on_disable>},
    // Topic-only and broker-only keys (throttling): the other level's name is empty.
    LogConfigKey{"leader.replication.throttled.replicas", "",
                 &set_throttled_replicas<&LogConfig::leader_throttled_replicas>,
                 &string_text<&LogConfig::leader_throttled_replicas>},
    LogConfigKey{"follower.replication.throttled.replicas", "",
                 &set_throttled_replicas<&LogConfig::follower_throttled_replicas>,
                 &string_text<&LogConfig::follower_throttled_replicas>},
    LogConfigKey{"", "leader.replication.throttled.rate",
                 &set_integer<&LogConfig::leader_throttled_rate, 1, kInt64Max>,
                 &integer_text<&LogConfig::leader_throttled_rate>},
    LogConfigKey{"", "follower.replication.throttled.rate",
                 &set_integer<&LogConfig::follower_throttled_rate, 1, kInt64Max>,
                 &integer_text<&LogConfig::follower_throttled_rate>},
};

}  // namespace

std::string_view key_name(const LogConfigKey& key, KeyLevel level) {
  return level == KeyLevel::kTopic ? key.topic_key : key.broker_key;
}

std::span<const LogConfigKey> log_config_keys() {
  return kKeys;
}

bool apply_log_configs(storage::LogConfig& config, const TopicConfigs& overrides, KeyLevel level,
                       std::string& error) {
  for (const auto& [name, value] : overrides) {
    const LogConfigKey* key = nullptr;
    for (const auto& candidate : kKeys) {
      if (!name.empty() && key_name(candidate, level) == name) {
        key = &candidate;
      }
    }
    const bool static_only = level == KeyLevel::kBroker && key != nullptr && !key->broker_dynamic;
    if (key == nullptr || static_only) {
      error = level == KeyLevel::kTopic
                  ? "Unknown topic config name: " + name
                  : "Cannot update these configs dynamically: Set(" + name + ")";
      return false;
    }
    std::string reason;
    if (!key->apply(config, value, reason)) {
      error = "Invalid value " + value + " for configuration " + name + ": " + reason;
      return false;
    }
  }
  return true;
}

bool apply_topic_configs(storage::LogConfig& config, const TopicConfigs& overrides,
                         std::string& error) {
  return apply_log_configs(config, overrides, KeyLevel::kTopic, error);
}

}  // namespace gregor::broker
