// The broker's configuration, read from server.properties with Kafka's key names and defaults.
// Parsed once at start-up by the server; read-only afterwards, shared by every component.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "broker/listener_config.h"
#include "common/properties.h"
#include "coordinator/group_config.h"
#include "storage/log_config.h"

namespace gregor::broker {

struct BrokerConfig {
  int32_t broker_id = 0;
  std::vector<Endpoint> listeners{Endpoint{"PLAINTEXT", "", 9092}};
  std::vector<Endpoint> advertised_listeners;  // empty: same as listeners
  std::vector<std::string> log_dirs{"/tmp/kafka-logs"};
  std::string zookeeper_connect;                 // empty: the embedded metadata store
  int32_t zookeeper_session_timeout_ms = 18000;  // Kafka's default
  int32_t zookeeper_connection_timeout_ms = -1;  // -1: the session timeout
  std::string broker_rack;                       // empty: none (null in the registration)

  int32_t num_partitions = 1;
  int16_t default_replication_factor = 1;
  bool auto_create_topics_enable = true;
  bool delete_topic_enable = true;

  int32_t num_network_threads = 3;
  int32_t socket_request_max_bytes = 104857600;
  int32_t socket_send_buffer_bytes = 102400;
  // -1 (unlike Kafka's 102400): a fixed SO_RCVBUF turns off the kernel's receive-window
  // autotuning, and with a 100 KB window a 1 MB produce request arrives in ~45 KB reads, each
  // answered by a window update that runs the sender's TCP transmit in the broker's thread.
  int32_t socket_receive_buffer_bytes = -1;
  int64_t connections_max_idle_ms = 600000;
  // Replication (Kafka's keys and defaults).
  int32_t replica_fetch_wait_max_ms = 500;
  int32_t replica_fetch_min_bytes = 1;
  int32_t replica_fetch_max_bytes = 1048576;            // per partition
  int32_t replica_fetch_response_max_bytes = 10485760;  // per fetch
  int32_t replica_fetch_backoff_ms = 1000;              // after a failed fetch
  int32_t replica_socket_timeout_ms = 30000;
  int64_t replica_lag_time_max_ms = 30000;  // a follower behind this long leaves the ISR
  int64_t replica_high_watermark_checkpoint_interval_ms = 5000;
  // On SIGTERM in a cluster: ask the controller to move leaderships away first.
  bool controlled_shutdown_enable = true;
  int32_t controlled_shutdown_max_retries = 3;
  int64_t controlled_shutdown_retry_backoff_ms = 5000;
  bool auto_leader_rebalance_enable = true;
  int64_t leader_imbalance_check_interval_seconds = 300;
  int32_t leader_imbalance_per_broker_percentage = 10;
  int64_t log_flush_offset_checkpoint_interval_ms = 60000;
  int64_t log_flush_scheduler_interval_ms = 1000;
  int64_t log_retention_check_interval_ms = 300000;  // how often retention runs
  bool log_cleaner_enable = true;                    // compaction of cleanup.policy=compact logs
  int32_t log_cleaner_threads = 1;
  int64_t log_cleaner_dedupe_buffer_size = 134217728;  // memory for the key map, all threads
  int64_t log_cleaner_backoff_ms = 15000;              // sleep when no log needs cleaning

  // Consumer groups and committed offsets (group.*, offsets.*, offset.metadata.max.bytes).
  coordinator::GroupConfig groups;

  // Defaults for every topic's log; topics override them with their own configs.
  storage::LogConfig log;
  // The log keys server.properties set, as written (log.retention.hours=24, ...): DescribeConfigs
  // reports each as a STATIC_BROKER_CONFIG synonym.
  std::map<std::string, std::string, std::less<>> log_properties;

  // The address clients are told to use for this broker.
  Endpoint advertised() const;
};

// Builds the configuration from properties. On a bad value returns nullopt and sets `error` to
// one line naming the key. Keys Gregor does not know are reported in `warnings` and ignored, as
// Kafka does.
std::optional<BrokerConfig> parse_broker_config(const Properties& props, std::string& error,
                                                std::vector<std::string>& warnings);

}  // namespace gregor::broker
