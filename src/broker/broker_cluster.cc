// Broker: following the metadata store. The MetadataCache reports topics, partition states and
// brokers on the cluster thread; the broker opens and drops logs, makes partitions lead or
// follow, and writes the ISR changes its leaders decide. The controller runs beside it, on every
// broker (in embedded mode it is trivially this one).
#include <algorithm>
#include <thread>

#include <spdlog/spdlog.h>

#include "broker/broker.h"
#include "common/clock.h"

namespace gregor::broker {
namespace {

// The endpoint other brokers fetch from: the inter-broker listener, which is the first one.
std::optional<cluster::BrokerEndpoint> fetch_endpoint(const cluster::BrokerRegistration& broker) {
  if (broker.endpoints.empty()) return std::nullopt;
  return broker.endpoints.front();
}

}  // namespace

bool Broker::start_cluster(std::string& error) {
  cluster_events_ = std::make_shared<EventThread>("cluster");
  metadata_ = std::make_unique<MetadataCache>(*store_, cluster_events_,
                                              static_cast<MetadataCache::Listener&>(*this));
  ReplicaFetchers::Options options{
      .broker_id = config_.broker_id,
      .wait_max_ms = config_.replica_fetch_wait_max_ms,
      .min_bytes = config_.replica_fetch_min_bytes,
      .partition_max_bytes = config_.replica_fetch_max_bytes,
      .response_max_bytes = config_.replica_fetch_response_max_bytes,
      .backoff_ms = config_.replica_fetch_backoff_ms,
      .socket_timeout_ms = config_.replica_socket_timeout_ms,
  };
  fetchers_ = std::make_unique<ReplicaFetchers>(
      options,
      [this](int32_t id) {
        auto broker = metadata_->broker(id);
        return broker ? fetch_endpoint(*broker) : std::nullopt;
      },
      follower_quota_);
  cluster_events_->start();
  // Everything known before the broker serves: its partitions lead or follow from the start.
  cluster_events_->post([this] { metadata_->load(); });
  cluster_events_->sync();
  // Often enough for the ISR check (within half the lag time) and for retrying reads that a
  // store outage made fail.
  const auto tick = std::clamp<int64_t>(config_.replica_lag_time_max_ms / 2, 1, 1000);
  cluster_events_->set_periodic(std::chrono::milliseconds(tick), [this] {
    shrink_lagging_isrs();
    metadata_->retry_unread();
  });

  controller_ = std::make_unique<cluster::Controller>(
      *store_,
      cluster::ControllerConfig{
          .broker_id = config_.broker_id,
          .unclean_leader_election_enable = config_.log.unclean_leader_election_enable,
          .auto_leader_rebalance_enable = config_.auto_leader_rebalance_enable,
          .leader_imbalance_check_interval =
              std::chrono::seconds(config_.leader_imbalance_check_interval_seconds),
          .leader_imbalance_per_broker_percentage = config_.leader_imbalance_per_broker_percentage,
      });
  controller_->start();
  // Admin clients need a controller in the metadata; one is elected within moments (this broker,
  // when it is the first). Serving before that would send them into a long wait.
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  while (metadata_->controller_id() < 0 && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  registration_->on_renewed([this] {
    cluster_events_->post([this] { metadata_->reload(); });
    controller_->session_reestablished();
  });
  (void)error;
  return true;
}

void Broker::stop_cluster() {
  if (registration_) registration_->on_renewed({});
  if (controller_) controller_->stop();
  if (cluster_events_) cluster_events_->stop();
  if (fetchers_) fetchers_->stop();
}

bool Broker::on_topic_changed(const std::string& name) {
  const TopicPtr before = topics_->find(name);
  // The topic's partitions are opened and take their states before the topic is visible as it is
  // now: a Metadata or FindCoordinator request never finds a new topic without its leaders (they
  // were written with it), nor names this broker leader of a partition it does not lead yet.
  const std::optional<TopicPtr> reloaded =
      topics_->reload(name, [this](const TopicInfo& topic) { adopt_topic(topic); });
  if (!reloaded) {
    spdlog::warn("topic {}: the metadata store cannot be read; keeping what is known", name);
    return false;
  }
  const TopicPtr& now = *reloaded;
  if (!now) {
    if (before) {
      remove_partitions(*before);
      spdlog::info("topic {} deleted", name);
    }
    metadata_->track_partitions(name, 0);
    return true;
  }
  if (before && before->configs != now->configs) apply_log_config(*now);
  return true;
}

void Broker::adopt_topic(const TopicInfo& topic) {
  if (replicas_->ensure_partitions(topic) != ErrorCode::kNone) {
    spdlog::error("cannot open the logs of topic {}", topic.name);
  }
  for (const auto& gone : replicas_->remove_unassigned(topic)) {
    fetchers_->unfollow(*gone);
    spdlog::info("{}-{}: no longer a replica here; log deleted", topic.name, gone->index());
  }
  metadata_->track_partitions(topic.name, topic.partition_count());
  // Replicas may have changed (a reassignment): partitions take their state with the new list,
  // and partitions just opened here get the state they missed.
  for (int32_t p = 0; p < topic.partition_count(); ++p) {
    if (auto leadership = metadata_->partition(topic.name, p))
      apply_partition_state(topic, p, *leadership);
  }
}

void Broker::on_partition_state(const std::string& topic, int32_t partition,
                                const PartitionLeadership& leadership) {
  apply_partition_state(topic, partition, leadership);
}

void Broker::on_brokers_changed() {
  if (fetchers_) fetchers_->brokers_changed();
}

void Broker::apply_initial_states(const TopicResult& result) {
  if (!result.topic) return;
  for (const auto& [p, state] : result.initial_states) {
    PartitionLeadership leadership{state, 0};
    metadata_->record_state(result.topic->name, p, leadership);
    apply_partition_state(result.topic->name, p, leadership);
  }
}

void Broker::apply_partition_state(const std::string& topic, int32_t index,
                                   const PartitionLeadership& leadership) {
  if (auto info = topics_->find(topic)) apply_partition_state(*info, index, leadership);
}

void Broker::apply_partition_state(const TopicInfo& info, int32_t index,
                                   const PartitionLeadership& leadership) {
  const std::string& topic = info.name;
  auto partition = replicas_->get(topic, index);
  if (!partition || index >= info.partition_count()) return;
  auto removing = info.removing.find(index);
  PartitionState state{leadership.state, leadership.version,
                       info.replicas[static_cast<size_t>(index)],
                       removing == info.removing.end() ? std::vector<int32_t>{} : removing->second};
  // A follower about to lead stops taking the old leader's records first.
  if (leadership.state.leader == config_.broker_id) fetchers_->unfollow(*partition);
  const Role before = partition->apply_state(state, wall_clock_ms());
  const Role after = partition->role();
  if (after == Role::kFollower) {
    fetchers_->follow(partition, leadership.state.leader, leadership.state.leader_epoch);
  } else if (before == Role::kFollower) {
    fetchers_->unfollow(*partition);
  }
  if (topic == kOffsetsTopic) follow_offsets_leadership(*partition, before, after);
  if (before != after) {
    spdlog::info("{}-{}: {} (leader {}, epoch {}, isr [{}])", topic, index,
                 after == Role::kLeader     ? "leader"
                 : after == Role::kFollower ? "follower"
                                            : "offline",
                 leadership.state.leader, leadership.state.leader_epoch,
                 fmt::join(leadership.state.isr, ","));
  }
}

// The coordinator reads a newly led partition on its own loader thread, never on this one.
void Broker::follow_offsets_leadership(Partition& partition, Role before, Role after) {
  if (after == Role::kLeader && before != Role::kLeader) {
    auto& log = partition.log();
    groups_->begin_leading(partition.index(), log.log_end_offset() > log.log_start_offset());
  } else if (before == Role::kLeader && after != Role::kLeader) {
    groups_->stop_leading(partition.index());
  }
}

// Both ways a topic goes (this broker deleted it, or saw it deleted in the metadata store) come
// here: the followed partitions leave the fetchers before their logs go.
void Broker::remove_partitions(const TopicInfo& topic) {
  for (int32_t p = 0; fetchers_ && p < topic.partition_count(); ++p) {
    if (auto partition = replicas_->get(topic.name, p)) fetchers_->unfollow(*partition);
  }
  if (topic.name == kOffsetsTopic) {
    for (int32_t p = 0; p < topic.partition_count(); ++p)
      groups_->stop_leading(p);
  }
  replicas_->remove_topic(topic);
}

void Broker::propose_isr(std::shared_ptr<Partition> partition, IsrChange change) {
  cluster_events_->post([this, partition = std::move(partition), change = std::move(change)] {
    write_isr(partition, change);
  });
}

// Kafka's leaders write their ISR changes to the state znode themselves, compare-and-set on the
// version they read, so a concurrent controller decision (a new leader) wins and this write
// fails; the watch then brings the controller's state.
void Broker::write_isr(const std::shared_ptr<Partition>& partition, const IsrChange& change) {
  if (!partition->is_leader() || partition->state().version != change.expected_version) return;
  const auto path = cluster::partition_state_path(partition->topic(), partition->index());
  cluster::Stat stat;
  auto rc = store_->set(path, cluster::encode_leader_and_isr(change.next), change.expected_version,
                        &stat);
  if (rc != cluster::StoreError::kOk) {
    spdlog::info("{}-{}: ISR change to [{}] not written: {}", partition->topic(),
                 partition->index(), fmt::join(change.next.isr, ","),
                 cluster::store_error_name(rc));
    return;
  }
  spdlog::info("{}-{}: ISR [{}] -> [{}]", partition->topic(), partition->index(),
               fmt::join(partition->state().leader_and_isr.isr, ","),
               fmt::join(change.next.isr, ","));
  PartitionLeadership written{change.next, stat.version};
  metadata_->record_state(partition->topic(), partition->index(), written);
  partition->isr_written(change.next, stat.version);
}

void Broker::shrink_lagging_isrs() {
  const int64_t now = wall_clock_ms();
  for (const auto& partition : replicas_->all()) {
    if (auto change = partition->shrink_lagging(now, config_.replica_lag_time_max_ms)) {
      write_isr(partition, *change);
    }
  }
}

ErrorCode Broker::leadership_error(std::string_view topic, int32_t partition,
                                   const Partition* hosted) {
  if (hosted && hosted->is_leader()) return ErrorCode::kNone;
  if (hosted) return ErrorCode::kNotLeaderOrFollower;
  auto info = topics_->find(std::string(topic));
  return info && partition >= 0 && partition < info->partition_count()
             ? ErrorCode::kNotLeaderOrFollower
             : ErrorCode::kUnknownTopicOrPartition;
}

std::vector<cluster::BrokerRegistration> Broker::live_brokers() const {
  auto brokers = metadata_->live_brokers();
  std::erase_if(brokers, [](const auto& b) { return b.endpoints.empty(); });
  if (brokers.empty()) {
    const auto self = config_.advertised();
    brokers.push_back(
        {.id = config_.broker_id,
         .endpoints = {{self.listener_name, self.security_protocol, self.host, self.port}}});
  }
  return brokers;
}

size_t Broker::registered_broker_count() const {
  std::vector<cluster::BrokerRegistration> brokers;
  if (cluster::read_registered_brokers(*store_, brokers) != cluster::StoreError::kOk) {
    return live_brokers().size();
  }
  return std::max<size_t>(brokers.size(), 1);
}

std::vector<cluster::BrokerPlacement> Broker::live_broker_placements() const {
  std::vector<cluster::BrokerPlacement> placements;
  for (const auto& broker : metadata_->live_brokers())
    placements.push_back({broker.id, broker.rack});
  return placements;
}

}  // namespace gregor::broker
