// The topics this cluster has: name, id, partition count and config overrides. The source of
// truth is the MetadataStore, in Kafka's znode layout:
//   /brokers/topics/<name>  {"version":3,"topic_id":"...","partitions":{"0":[<broker>],...}}
//   /config/topics/<name>   {"version":1,"config":{"retention.ms":"1000",...}}
// The registry keeps an in-memory copy for lookups on the request path. Thread-safe; lookups
// return immutable snapshots (shared_ptr<const TopicInfo>) that stay valid after a change.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <random>
#include <shared_mutex>
#include <string>
#include <vector>

#include "broker/log_config_keys.h"
#include "cluster/metadata_store.h"
#include "cluster/partition_state.h"
#include "cluster/replica_assignment.h"
#include "common/error_code.h"
#include "protocol/codec.h"
#include "storage/log_config.h"

namespace gregor::broker {

struct TopicInfo {
  std::string name;
  protocol::Uuid id;
  // replicas[p] lists the broker ids holding partition p, the first being the preferred leader.
  std::vector<std::vector<int32_t>> replicas;
  // Partitions being moved: the replicas that leave once the move completes.
  std::map<int32_t, std::vector<int32_t>> removing;
  TopicConfigs configs;           // overrides only
  storage::LogConfig log_config;  // broker defaults with the overrides applied

  int32_t partition_count() const { return static_cast<int32_t>(replicas.size()); }
};

using TopicPtr = std::shared_ptr<const TopicInfo>;

struct TopicResult {
  ErrorCode error = ErrorCode::kNone;
  std::string message;  // for the response's error_message; empty when none
  TopicPtr topic;
  // Creation and added partitions: the partition states written with the topic, by partition
  // (the state znodes are at version 0). Partitions with no live replica have none.
  std::map<int32_t, cluster::LeaderAndIsr> initial_states;
};

// The live brokers, for placing replicas.
using LiveBrokers = std::function<std::vector<cluster::BrokerPlacement>()>;

class TopicRegistry {
 public:
  TopicRegistry(cluster::MetadataStore& store, storage::LogConfig defaults, LiveBrokers brokers);

  // Reads every topic from the store; called once at start-up.
  ErrorCode load(std::string& error);

  // Re-reads one topic from the store (another broker created, changed or deleted it). Returns
  // the topic as it is now, null if it is gone; nullopt if the store could not be read
  // (connection loss), and then the registry keeps what it had: an outage deletes nothing.
  // `before_visible` runs with the topic read, before lookups can find it as it is now (to learn
  // its partitions' leaders first).
  std::optional<TopicPtr> reload(const std::string& name,
                                 const std::function<void(const TopicInfo&)>& before_visible = {});

  // Validates and (unless validate_only) records a new topic, with the initial state of each
  // partition (the first live replica leads, the live replicas are the ISR). `assignment`, when
  // not empty, gives the replicas of each partition explicitly; otherwise they are placed over
  // the live brokers as Kafka places them.
  TopicResult create(const std::string& name, int32_t partitions, int16_t replication_factor,
                     const std::vector<std::vector<int32_t>>& assignment,
                     const TopicConfigs& configs, bool validate_only);
  TopicResult remove(const std::string& name);
  // Grows the topic to `new_count` partitions, placed as Kafka places them or, when
  // `assignment` is not empty, on the replicas it gives for each new partition.
  TopicResult add_partitions(const std::string& name, int32_t new_count,
                             const std::vector<std::vector<int32_t>>& assignment,
                             bool validate_only);
  // Replaces the topic's config overrides with `configs` (AlterConfigs semantics; incremental
  // changes are computed by the caller). Validated like CreateTopics configs: kInvalidConfig
  // naming the key. Persisted in /config/topics/<name> unless validate_only.
  TopicResult set_configs(const std::string& name, const TopicConfigs& configs, bool validate_only);
  // New broker log defaults (a dynamic broker config change): every topic's log config is
  // recomputed from them and its overrides. Returns the topics as they are now.
  std::vector<TopicPtr> set_defaults(const storage::LogConfig& defaults);

  TopicPtr find(const std::string& name) const;
  TopicPtr find(const protocol::Uuid& id) const;
  std::vector<TopicPtr> all() const;

 private:
  TopicResult validate_new(const std::string& name, int32_t partitions, int16_t replication_factor,
                           const std::vector<std::vector<int32_t>>& assignment,
                           const TopicConfigs& configs) const;
  // The topic as the store has it; null if it is missing or unreadable. `store_error`, if given,
  // is set to the failure of a read that the store could not answer (not kNoNode).
  std::shared_ptr<TopicInfo> read_topic(const std::string& name,
                                        cluster::StoreError* store_error = nullptr) const;
  cluster::StoreError persist(const TopicInfo& topic, bool is_new, TopicResult& result,
                              int32_t first_new_partition);

  cluster::MetadataStore& store_;
  storage::LogConfig defaults_;  // guarded by write_mutex_
  const LiveBrokers live_brokers_;
  mutable std::mt19937 rng_{std::random_device{}()};  // guarded by write_mutex_
  mutable std::shared_mutex mutex_;
  std::map<std::string, TopicPtr, std::less<>> topics_;
  std::mutex write_mutex_;  // serialises changes (store round trips) without blocking lookups
};

}  // namespace gregor::broker
