// The group coordinator's settings, from server.properties with Kafka's key names and defaults
// (parsed in broker/broker_config.cc). A plain value, read-only once the broker runs.
#pragma once

#include <cstdint>

namespace gregor::coordinator {

struct GroupConfig {
  int32_t initial_rebalance_delay_ms = 3000;             // group.initial.rebalance.delay.ms
  int32_t min_session_timeout_ms = 6000;                 // group.min.session.timeout.ms
  int32_t max_session_timeout_ms = 1800000;              // group.max.session.timeout.ms
  int32_t offsets_topic_partitions = 50;                 // offsets.topic.num.partitions
  int16_t offsets_topic_replication_factor = 3;          // offsets.topic.replication.factor
  int32_t offsets_topic_segment_bytes = 104857600;       // offsets.topic.segment.bytes
  int64_t offsets_retention_ms = 10080LL * 60000;        // offsets.retention.minutes (7 days)
  int64_t offsets_retention_check_interval_ms = 600000;  // offsets.retention.check.interval.ms
  int32_t offset_metadata_max_bytes = 4096;              // offset.metadata.max.bytes
};

}  // namespace gregor::coordinator
