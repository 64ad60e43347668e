// The broker's state and services, independent of the network: configuration, metadata store,
// topic registry, logs and partitions, group commit. The network layer hands it requests
// (through the handlers in api/handlers) and it never touches a socket.
//
// Lifecycle: open() loads the metadata and recovers the logs; shutdown() (also on destruction)
// flushes every log, writes the checkpoints and the clean-shutdown marker. Thread-safe.
#pragma once

#include <condition_variable>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "broker/broker_config.h"
#include "broker/broker_registration.h"
#include "broker/dynamic_broker_config.h"
#include "broker/flusher.h"
#include "broker/metadata_cache.h"
#include "broker/offsets_topic.h"
#include "broker/replica_fetcher.h"
#include "broker/replica_manager.h"
#include "broker/replication_quota.h"
#include "broker/topic_registry.h"
#include "cluster/controller.h"
#include "cluster/metadata_store.h"
#include "common/event_thread.h"
#include "coordinator/group_coordinator.h"
#include "storage/log_cleaner.h"
#include "storage/log_manager.h"

namespace gregor::broker {

class Broker : private MetadataCache::Listener {
 public:
  static std::unique_ptr<Broker> open(BrokerConfig config, std::string& error);
  ~Broker();

  const BrokerConfig& config() const { return config_; }
  const std::string& cluster_id() const { return cluster_id_; }
  TopicRegistry& topics() { return *topics_; }
  ReplicaManager& replicas() { return *replicas_; }
  Flusher& flusher() { return flusher_; }
  coordinator::GroupCoordinator& groups() { return *groups_; }
  OffsetsTopic& offsets_topic() { return *offsets_topic_; }
  MetadataCache& metadata() { return *metadata_; }
  // The admin thread: requests whose work waits on the metadata store (a ZooKeeper round trip,
  // a journal fsync) run here, so that no network thread waits. Stopped, after running what
  // is queued, before the store closes.
  EventThread& admin_thread() { return admin_thread_; }
  // Replication throttling: the budgets of leader.replication.throttled.rate (records sent to
  // throttled followers) and follower.replication.throttled.rate (fetched as throttled follower).
  ReplicationQuota& leader_quota() { return leader_quota_; }
  ReplicationQuota& follower_quota() { return follower_quota_; }
  // Why a request for `topic`-`partition` cannot be served here: kNone when this broker leads
  // it, kNotLeaderOrFollower when the partition exists but another broker leads it (or none),
  // kUnknownTopicOrPartition when it does not exist.
  ErrorCode leadership_error(std::string_view topic, int32_t partition, const Partition* hosted);

  // The brokers clients are told about: the registered ones (this one alone while it has not
  // seen its own registration yet), each with its first advertised endpoint.
  std::vector<cluster::BrokerRegistration> live_brokers() const;
  cluster::Controller& controller() { return *controller_; }
  // How many brokers are registered, read from the metadata store itself (not from this broker's
  // cache, which may lag behind its watches): for decisions that last, such as a replication
  // factor. At least 1.
  size_t registered_broker_count() const;

  // A leader's ISR change (a follower caught up, or fell behind): written to the partition's
  // state znode off the network threads, then taken by the partition.
  void propose_isr(std::shared_ptr<Partition> partition, IsrChange change);

  // Topic lifecycle: the registry records the change, then the partitions follow it.
  TopicResult create_topic(const std::string& name, int32_t partitions, int16_t replication_factor,
                           const std::vector<std::vector<int32_t>>& assignment,
                           const TopicConfigs& configs, bool validate_only);
  TopicResult delete_topic(const std::string& name);
  // `assignment`, when not empty, gives the replicas of each new partition.
  TopicResult add_partitions(const std::string& name, int32_t count,
                             const std::vector<std::vector<int32_t>>& assignment,
                             bool validate_only);
  // Replaces a topic's config overrides; running partitions take the new settings at once.
  TopicResult set_topic_configs(const std::string& name, const TopicConfigs& configs,
                                bool validate_only);
  // A topic named by a client that does not exist yet: created with the broker defaults when
  // auto.create.topics.enable is on and the client allows it.
  TopicResult auto_create_topic(const std::string& name);

  DynamicBrokerConfig& dynamic_config() { return *dynamic_config_; }
  // Replaces the dynamic overrides of `scope`; running logs without a topic override of a changed
  // key take the new default at once.
  ConfigChange set_broker_configs(DynamicScope scope, const TopicConfigs& configs,
                                  bool validate_only);

  void shutdown();

 private:
  explicit Broker(BrokerConfig config);
  bool start(std::string& error);
  void run_background_tasks();
  // Hands a topic's (new) log config to its running partitions.
  void apply_log_config(const TopicInfo& topic);

  // broker_cluster.cc: following the metadata store.
  bool start_cluster(std::string& error);
  void stop_cluster();
  bool on_topic_changed(const std::string& topic) override;
  void on_partition_state(const std::string& topic, int32_t partition,
                          const PartitionLeadership& leadership) override;
  void on_brokers_changed() override;
  // The states written with a topic or its new partitions, taken at once.
  void apply_initial_states(const TopicResult& result);
  void apply_partition_state(const std::string& topic, int32_t partition,
                             const PartitionLeadership& leadership);
  // The same for a topic not visible yet (adopt_topic()) or as given.
  void apply_partition_state(const TopicInfo& topic, int32_t partition,
                             const PartitionLeadership& leadership);
  // Opens the partitions of `topic` this broker is a replica of, forgets the others, and gives
  // each its state: on the cluster thread, before the topic becomes visible as it is now.
  void adopt_topic(const TopicInfo& topic);
  // The group coordinator follows this broker's leadership of the __consumer_offsets partitions.
  void follow_offsets_leadership(Partition& partition, Role before, Role after);
  // A deleted topic's partitions are gone; for __consumer_offsets, its groups too.
  void remove_partitions(const TopicInfo& topic);
  void write_isr(const std::shared_ptr<Partition>& partition, const IsrChange& change);
  void shrink_lagging_isrs();
  // The throttled rates of the current (dynamic) broker configs into the two quotas.
  void apply_throttled_rates();
  std::vector<cluster::BrokerPlacement> live_broker_placements() const;

  BrokerConfig config_;
  std::string cluster_id_;
  std::unique_ptr<cluster::MetadataStore> store_;
  std::unique_ptr<BrokerRegistration>
      registration_;  // /brokers/ids/<broker.id>; before store_ dies
  std::unique_ptr<storage::LogManager> logs_;
  std::unique_ptr<DynamicBrokerConfig> dynamic_config_;
  ReplicationQuota leader_quota_;
  ReplicationQuota follower_quota_;
  std::unique_ptr<TopicRegistry> topics_;
  std::unique_ptr<ReplicaManager> replicas_;
  // The cluster thread: store watches, partition-state changes and ISR writes happen here.
  std::shared_ptr<EventThread> cluster_events_;
  std::unique_ptr<MetadataCache> metadata_;
  std::unique_ptr<ReplicaFetchers> fetchers_;
  std::unique_ptr<cluster::Controller> controller_;
  std::unique_ptr<storage::LogCleaner> cleaner_;  // null when log.cleaner.enable=false
  Flusher flusher_;
  // Consumer groups, stored in __consumer_offsets; stopped before the flusher and the logs.
  std::unique_ptr<OffsetsTopic> offsets_topic_;
  std::unique_ptr<coordinator::GroupCoordinator> groups_;
  EventThread admin_thread_{"admin"};

  std::mutex background_mutex_;
  std::condition_variable background_wake_;
  bool stopping_ = false;
  bool stopped_ = false;
  std::thread background_;
};

}  // namespace gregor::broker
