#include "broker/broker_config.h"

#include <functional>
#include <limits>
#include <map>

#include "broker/log_config_keys.h"
#include "cluster/zookeeper_metadata_store.h"
#include "common/config_value.h"

namespace gregor::broker {
namespace {

constexpr int64_t kInt32Max = std::numeric_limits<int32_t>::max();
constexpr int64_t kInt64Max = std::numeric_limits<int64_t>::max();

using Setter = std::function<bool(BrokerConfig&, std::string_view, std::string&)>;

template <typename T>
Setter integer(T BrokerConfig::*member, int64_t min, int64_t max) {
  return [=](BrokerConfig& c, std::string_view v, std::string& error) {
    auto parsed = parse_integer(v, min, max, error);
    if (parsed) c.*member = static_cast<T>(*parsed);
    return parsed.has_value();
  };
}

Setter boolean(bool BrokerConfig::*member) {
  return [=](BrokerConfig& c, std::string_view v, std::string& error) {
    auto parsed = parse_boolean(v, error);
    if (parsed) c.*member = *parsed;
    return parsed.has_value();
  };
}

// A key of the group coordinator's settings; `factor` converts Kafka's unit to milliseconds.
template <typename T>
Setter group_setting(T coordinator::GroupConfig::*member, int64_t min, int64_t max,
                     int64_t factor = 1) {
  return [=](BrokerConfig& c, std::string_view v, std::string& error) {
    auto parsed = parse_integer(v, min, max, error);
    if (parsed) c.groups.*member = static_cast<T>(*parsed * factor);
    return parsed.has_value();
  };
}

Setter log_dirs() {
  return [](BrokerConfig& c, std::string_view v, std::string& error) {
    c.log_dirs = split_list(v);
    if (c.log_dirs.empty()) error = "needs at least one directory";
    return !c.log_dirs.empty();
  };
}

const std::map<std::string, Setter, std::less<>>& broker_keys() {
  static const std::map<std::string, Setter, std::less<>> keys = {
      {"broker.id", integer(&BrokerConfig::broker_id, 0, kInt32Max)},
      {"node.id", integer(&BrokerConfig::broker_id, 0, kInt32Max)},
      {"log.dirs", log_dirs()},
      {"log.dir", log_dirs()},
      {"zookeeper.connect",
       [](BrokerConfig& c, std::string_view v, std::string& error) {
         cluster::ZooKeeperMetadataStore::Options checked;
         c.zookeeper_connect = std::string(v);
         return c.zookeeper_connect.empty() ||
                cluster::parse_zookeeper_connect(c.zookeeper_connect, checked, error);
       }},
      {"zookeeper.session.timeout.ms",
       integer(&BrokerConfig::zookeeper_session_timeout_ms, 1, kInt32Max)},
      {"zookeeper.connection.timeout.ms",
       integer(&BrokerConfig::zookeeper_connection_timeout_ms, 1, kInt32Max)},
      {"broker.rack",
       [](BrokerConfig& c, std::string_view v, std::string&) {
         c.broker_rack = std::string(v);
         return true;
       }},
      {"num.partitions", integer(&BrokerConfig::num_partitions, 1, kInt32Max)},
      {"default.replication.factor", integer(&BrokerConfig::default_replication_factor, 1, 32767)},
      {"auto.create.topics.enable", boolean(&BrokerConfig::auto_create_topics_enable)},
      {"delete.topic.enable", boolean(&BrokerConfig::delete_topic_enable)},
      {"num.network.threads", integer(&BrokerConfig::num_network_threads, 1, 256)},
      {"socket.request.max.bytes", integer(&BrokerConfig::socket_request_max_bytes, 1, kInt32Max)},
      {"socket.send.buffer.bytes", integer(&BrokerConfig::socket_send_buffer_bytes, -1, kInt32Max)},
      {"socket.receive.buffer.bytes",
       integer(&BrokerConfig::socket_receive_buffer_bytes, -1, kInt32Max)},
      {"connections.max.idle.ms", integer(&BrokerConfig::connections_max_idle_ms, -1, kInt64Max)},
      {"log.flush.offset.checkpoint.interval.ms",
       integer(&BrokerConfig::log_flush_offset_checkpoint_interval_ms, 0, kInt32Max)},
      {"log.flush.scheduler.interval.ms",
       integer(&BrokerConfig::log_flush_scheduler_interval_ms, 1, kInt64Max)},
      {"log.retention.check.interval.ms",
       integer(&BrokerConfig::log_retention_check_interval_ms, 1, kInt64Max)},
      {"replica.fetch.wait.max.ms",
       integer(&BrokerConfig::replica_fetch_wait_max_ms, 0, kInt32Max)},
      {"replica.fetch.min.bytes", integer(&BrokerConfig::replica_fetch_min_bytes, 1, kInt32Max)},
      {"replica.fetch.max.bytes", integer(&BrokerConfig::replica_fetch_max_bytes, 0, kInt32Max)},
      {"replica.fetch.response.max.bytes",
       integer(&BrokerConfig::replica_fetch_response_max_bytes, 0, kInt32Max)},
      {"replica.fetch.backoff.ms", integer(&BrokerConfig::replica_fetch_backoff_ms, 0, kInt32Max)},
      {"replica.socket.timeout.ms",
       integer(&BrokerConfig::replica_socket_timeout_ms, 1, kInt32Max)},
      {"replica.lag.time.max.ms", integer(&BrokerConfig::replica_lag_time_max_ms, 1, kInt64Max)},
      {"replica.high.watermark.checkpoint.interval.ms",
       integer(&BrokerConfig::replica_high_watermark_checkpoint_interval_ms, 1, kInt64Max)},
      {"controlled.shutdown.enable", boolean(&BrokerConfig::controlled_shutdown_enable)},
      {"controlled.shutdown.max.retries",
       integer(&BrokerConfig::controlled_shutdown_max_retries, 0, kInt32Max)},
      {"controlled.shutdown.retry.backoff.ms",
       integer(&BrokerConfig::controlled_shutdown_retry_backoff_ms, 0, kInt64Max)},
      {"auto.leader.rebalance.enable", boolean(&BrokerConfig::auto_leader_rebalance_enable)},
      {"leader.imbalance.check.interval.seconds",
       integer(&BrokerConfig::leader_imbalance_check_interval_seconds, 1, kInt64Max / 1000)},
      {"leader.imbalance.per.broker.percentage",
       integer(&BrokerConfig::leader_imbalance_per_broker_percentage, 0, 100)},
      {"log.cleaner.enable", boolean(&BrokerConfig::log_cleaner_enable)},
      {"log.cleaner.threads", integer(&BrokerConfig::log_cleaner_threads, 0, 64)},
      {"log.cleaner.dedupe.buffer.size",
       integer(&BrokerConfig::log_cleaner_dedupe_buffer_size, 1 << 20, kInt64Max)},
      {"log.cleaner.backoff.ms", integer(&BrokerConfig::log_cleaner_backoff_ms, 0, kInt64Max)},
      {"group.initial.rebalance.delay.ms",
       group_setting(&coordinator::GroupConfig::initial_rebalance_delay_ms, 0, kInt32Max)},
      {"group.min.session.timeout.ms",
       group_setting(&coordinator::GroupConfig::min_session_timeout_ms, 0, kInt32Max)},
      {"group.max.session.timeout.ms",
       group_setting(&coordinator::GroupConfig::max_session_timeout_ms, 0, kInt32Max)},
      {"offsets.topic.num.partitions",
       group_setting(&coordinator::GroupConfig::offsets_topic_partitions, 1, 10000)},
      {"offsets.topic.replication.factor",
       group_setting(&coordinator::GroupConfig::offsets_topic_replication_factor, 1, 32767)},
      // 14: the smallest segment.bytes a topic may have (one batch header and a little more).
      {"offsets.topic.segment.bytes",
       group_setting(&coordinator::GroupConfig::offsets_topic_segment_bytes, 14, kInt32Max)},
      {"offsets.retention.minutes",
       group_setting(&coordinator::GroupConfig::offsets_retention_ms, 1, kInt64Max / 60000, 60000)},
      {"offsets.retention.check.interval.ms",
       group_setting(&coordinator::GroupConfig::offsets_retention_check_interval_ms, 1, kInt64Max)},
      {"offset.metadata.max.bytes",
       group_setting(&coordinator::GroupConfig::offset_metadata_max_bytes, 0, kInt32Max)},
  };
  return keys;
}

// Kafka keys that take their place in a cluster or in later features; accepted without warning.
bool is_known_unused(std::string_view key) {
  static constexpr std::string_view kPrefixes[] = {
      "num.io.threads",
      "num.recovery.threads.per.data.dir",
      "offsets.",
      "transaction.",
      "group.",
      "zookeeper.",  // zookeeper.set.acl, zookeeper.ssl.*, ... (the ones used are above)
      "log.retention.check.interval.ms",
      "log.cleaner.",
      "replica.",
      "controlled.shutdown.",
      "inter.broker.",
      "min.insync.replicas",
      "unclean.",
      "log.roll.jitter",
      "ssl.",
      "sasl.",
      "security.",
  };
  for (auto prefix : kPrefixes) {
    if (key.starts_with(prefix)) return true;
  }
  return false;
}

// Kafka's retention and roll keys come in several units; the finest unit given wins.
bool apply_time_units(BrokerConfig& config, const Properties& props, std::string& error) {
  struct Unit {
    const char* key;
    int64_t factor;
    int64_t storage::LogConfig::*member;
  };
  const Unit units[] = {
      {"log.retention.hours", 3600000, &storage::LogConfig::retention_ms},
      {"log.retention.minutes", 60000, &storage::LogConfig::retention_ms},
      {"log.roll.hours", 3600000, &storage::LogConfig::segment_ms},
      {"log.roll.jitter.hours", 3600000, &storage::LogConfig::segment_jitter_ms},
  };
  for (const auto& unit : units) {
    auto it = props.find(unit.key);
    if (it == props.end()) continue;
    std::string reason;
    auto value = parse_integer(it->second, -1, kInt64Max / unit.factor, reason);
    if (!value) {
      error = "invalid value '" + it->second + "' for " + unit.key + ": " + reason;
      return false;
    }
    config.log.*unit.member = *value < 0 ? -1 : *value * unit.factor;
    config.log_properties[unit.key] = it->second;
  }
  return true;
}

}  // namespace

Endpoint BrokerConfig::advertised() const {
  Endpoint ep = advertised_listeners.empty() ? listeners.front() : advertised_listeners.front();
  ep.host = advertised_host(ep);
  return ep;
}

std::optional<BrokerConfig> parse_broker_config(const Properties& props, std::string& error,
                                                std::vector<std::string>& warnings) {
  BrokerConfig config;
  if (!apply_time_units(config, props, error)) return std::nullopt;
  for (const auto& [key, value] : props) {
    std::string reason;
    bool ok = true;
    if (auto it = broker_keys().find(key); it != broker_keys().end()) {
      ok = it->second(config, value, reason);
    } else if (key == "log.retention.hours" || key == "log.retention.minutes" ||
               key == "log.roll.hours" || key == "log.roll.jitter.hours" || is_listener_key(key)) {
      continue;  // handled by apply_time_units and resolve_listeners
    } else {
      bool matched = false;
      for (const auto& log_key : log_config_keys()) {
        if (log_key.broker_key != key) continue;
        matched = true;
        ok = log_key.apply(config.log, value, reason);
        config.log_properties[key] = value;
      }
      if (!matched && !is_known_unused(key)) warnings.push_back("unknown configuration " + key);
    }
    if (!ok) {
      error = "invalid value '" + value + "' for " + key + ": " + reason;
      return std::nullopt;
    }
  }
  auto listeners = resolve_listeners(props, error);
  if (!listeners) return std::nullopt;
  config.listeners = std::move(listeners->listeners);
  config.advertised_listeners = std::move(listeners->advertised);
  return config;
}

}  // namespace gregor::broker
