#include "broker/broker.h"

#include <spdlog/spdlog.h>
#include <nlohmann/json.hpp>

#include "cluster/embedded_metadata_store.h"
#include "cluster/zookeeper_metadata_store.h"
#include "common/clock.h"
#include "common/thread_name.h"

namespace gregor::broker {
namespace {

// Kafka keeps the cluster id in /cluster/id; the first broker of a new cluster makes one up
// (and if another broker made one meanwhile, that one is the cluster's).
std::string load_cluster_id(cluster::MetadataStore& store) {
  for (int attempt = 0; attempt < 2; ++attempt) {
    std::string data;
    if (store.get("/cluster/id", data) == cluster::StoreError::kOk) {
      auto doc = nlohmann::json::parse(data, nullptr, false);
      if (doc.is_object() && doc["id"].is_string()) return doc["id"].get<std::string>();
    }
    const std::string id = protocol::Uuid::random().to_string();
    store.create_recursive("/cluster", "");
    auto created = store.create("/cluster/id", nlohmann::json{{"version", "1"}, {"id", id}}.dump(),
                                cluster::CreateMode::kPersistent);
    if (created != cluster::StoreError::kNodeExists) return id;
  }
  return "";
}

// The embedded store beside the first log directory, or ZooKeeper when zookeeper.connect is set
// (`zookeeper` then points at it too).
std::unique_ptr<cluster::MetadataStore> open_store(const BrokerConfig& config,
                                                   cluster::ZooKeeperMetadataStore*& zookeeper,
                                                   std::string& error) {
  zookeeper = nullptr;
  if (config.zookeeper_connect.empty()) {
    return cluster::EmbeddedMetadataStore::open(config.log_dirs.front(), error);
  }
  cluster::ZooKeeperMetadataStore::Options options;
  if (!cluster::parse_zookeeper_connect(config.zookeeper_connect, options, error)) return nullptr;
  options.session_timeout_ms = config.zookeeper_session_timeout_ms;
  options.connection_timeout_ms = config.zookeeper_connection_timeout_ms;
  auto store = cluster::ZooKeeperMetadataStore::connect(options, error);
  if (!store) {
    error = "cannot connect to ZooKeeper (zookeeper.connect=" + config.zookeeper_connect +
            "): " + error;
    return nullptr;
  }
  zookeeper = store.get();
  spdlog::info("metadata in ZooKeeper at {}", config.zookeeper_connect);
  return store;
}

}  // namespace

Broker::Broker(BrokerConfig config) : config_(std::move(config)) {}

std::unique_ptr<Broker> Broker::open(BrokerConfig config, std::string& error) {
  std::unique_ptr<Broker> broker(new Broker(std::move(config)));
  if (!broker->start(error)) return nullptr;
  return broker;
}

bool Broker::start(std::string& error) {
  logs_ = storage::LogManager::open(config_.log_dirs, error, config_.log);
  if (!logs_) return false;
  cluster::ZooKeeperMetadataStore* zookeeper = nullptr;
  store_ = open_store(config_, zookeeper, error);
  if (!store_) return false;
  registration_ = BrokerRegistration::start(*store_, zookeeper, config_, error);
  if (!registration_) return false;
  cluster_id_ = load_cluster_id(*store_);
  dynamic_config_ = std::make_unique<DynamicBrokerConfig>(*store_, config_.broker_id, config_.log);
  dynamic_config_->load();
  apply_throttled_rates();
  topics_ = std::make_unique<TopicRegistry>(*store_, dynamic_config_->log_defaults(),
                                            [this] { return live_broker_placements(); });
  if (topics_->load(error) != ErrorCode::kNone) return false;
  replicas_ = std::make_unique<ReplicaManager>(*logs_, config_.broker_id);
  // The coordinator first: following the cluster makes this broker lead offsets partitions,
  // which the coordinator loads before the broker serves.
  offsets_topic_ = std::make_unique<OffsetsTopic>(*this, config_.groups.offsets_topic_partitions,
                                                  config_.groups.offsets_topic_replication_factor,
                                                  config_.groups.offsets_topic_segment_bytes);
  groups_ = std::make_unique<coordinator::GroupCoordinator>(config_.groups, *offsets_topic_);
  groups_->start();
  if (!start_cluster(error)) return false;
  groups_->wait_for_loads();
  if (config_.log_cleaner_enable && config_.log_cleaner_threads > 0) {
    cleaner_ = std::make_unique<storage::LogCleaner>(
        *logs_,
        storage::CleanerOptions{config_.log_cleaner_threads, config_.log_cleaner_dedupe_buffer_size,
                                config_.log_cleaner_backoff_ms});
    cleaner_->start();
  }
  background_ = std::thread([this] { run_background_tasks(); });
  name_thread(background_, "background");
  admin_thread_.start();
  spdlog::info("broker {} started: cluster {}, {} topics", config_.broker_id, cluster_id_,
               topics_->all().size());
  return true;
}

Broker::~Broker() {
  shutdown();
}

TopicResult Broker::create_topic(const std::string& name, int32_t partitions,
                                 int16_t replication_factor,
                                 const std::vector<std::vector<int32_t>>& assignment,
                                 const TopicConfigs& configs, bool validate_only) {
  auto result =
      topics_->create(name, partitions, replication_factor, assignment, configs, validate_only);
  if (result.error == ErrorCode::kNone && !validate_only) {
    result.error = replicas_->ensure_partitions(*result.topic);
    apply_initial_states(result);
    spdlog::info("created topic {} with {} partitions", name, result.topic->partition_count());
  }
  return result;
}

TopicResult Broker::delete_topic(const std::string& name) {
  auto result = topics_->remove(name);
  if (result.error == ErrorCode::kNone) {
    remove_partitions(*result.topic);
    spdlog::info("deleted topic {}", name);
  }
  return result;
}

TopicResult Broker::add_partitions(const std::string& name, int32_t count,
                                   const std::vector<std::vector<int32_t>>& assignment,
                                   bool validate_only) {
  auto result = topics_->add_partitions(name, count, assignment, validate_only);
  if (result.error == ErrorCode::kNone && !validate_only) {
    result.error = replicas_->ensure_partitions(*result.topic);
    apply_initial_states(result);
  }
  return result;
}

TopicResult Broker::set_topic_configs(const std::string& name, const TopicConfigs& configs,
                                      bool validate_only) {
  auto result = topics_->set_configs(name, configs, validate_only);
  if (result.error != ErrorCode::kNone || validate_only) return result;
  apply_log_config(*result.topic);
  spdlog::info("topic {}: configs changed", name);
  return result;
}

void Broker::apply_log_config(const TopicInfo& topic) {
  for (int32_t p = 0; p < topic.partition_count(); ++p) {
    if (auto partition = replicas_->get(topic.name, p)) partition->apply_config(topic.log_config);
  }
}

ConfigChange Broker::set_broker_configs(DynamicScope scope, const TopicConfigs& configs,
                                        bool validate_only) {
  auto result = dynamic_config_->replace(scope, configs, validate_only);
  if (result.error != ErrorCode::kNone || validate_only) return result;
  for (const auto& topic : topics_->set_defaults(dynamic_config_->log_defaults()))
    apply_log_config(*topic);
  apply_throttled_rates();
  spdlog::info("dynamic broker configs changed ({})",
               scope == DynamicScope::kClusterDefault ? "cluster default" : "this broker");
  return result;
}

void Broker::apply_throttled_rates() {
  const auto config = dynamic_config_->log_defaults();
  leader_quota_.set_rate(config.leader_throttled_rate);
  follower_quota_.set_rate(config.follower_throttled_rate);
}

TopicResult Broker::auto_create_topic(const std::string& name) {
  if (!config_.auto_create_topics_enable) {
    return {ErrorCode::kUnknownTopicOrPartition, "", nullptr};
  }
  auto result =
      create_topic(name, config_.num_partitions, config_.default_replication_factor, {}, {}, false);
  if (result.error == ErrorCode::kTopicAlreadyExists) {
    // Another client won the race, maybe through another broker whose change this one has not
    // seen yet.
    auto topic = topics_->find(name);
    if (!topic) topic = topics_->reload(name).value_or(nullptr);
    if (!topic) return {ErrorCode::kLeaderNotAvailable, "", nullptr};
    return {ErrorCode::kNone, "", topic};
  }
  return result;
}

// Periodic work that must not run on network threads: flushes due by flush.ms/flush.messages,
// recovery-point checkpoints and retention (log.retention.check.interval.ms).
void Broker::run_background_tasks() {
  using Clock = std::chrono::steady_clock;
  const auto tick = std::chrono::milliseconds(config_.log_flush_scheduler_interval_ms);
  const auto checkpoint_every =
      std::chrono::milliseconds(config_.log_flush_offset_checkpoint_interval_ms);
  auto next_checkpoint = Clock::now() + checkpoint_every;
  const auto high_watermarks_every =
      std::chrono::milliseconds(config_.replica_high_watermark_checkpoint_interval_ms);
  auto next_high_watermarks = Clock::now() + high_watermarks_every;
  const auto retention_every = std::chrono::milliseconds(config_.log_retention_check_interval_ms);
  auto next_retention = Clock::now() + retention_every;
  std::unique_lock lock(background_mutex_);
  while (!stopping_) {
    background_wake_.wait_for(lock, tick, [this] { return stopping_; });
    if (stopping_) break;
    lock.unlock();
    const int64_t wall_ms = wall_clock_ms();
    logs_->flush_due_logs(wall_ms);
    if (Clock::now() >= next_high_watermarks) {
      replicas_->checkpoint_high_watermarks();
      next_high_watermarks = Clock::now() + high_watermarks_every;
    }
    if (Clock::now() >= next_checkpoint) {
      logs_->checkpoint_recovery_points();
      next_checkpoint = Clock::now() + checkpoint_every;
    }
    if (Clock::now() >= next_retention) {
      logs_->enforce_retention(wall_ms);
      next_retention = Clock::now() + retention_every;
    }
    lock.lock();
  }
}

void Broker::shutdown() {
  {
    std::lock_guard lock(background_mutex_);
    if (stopped_) return;
    stopped_ = true;
    stopping_ = true;
    background_wake_.notify_all();
  }
  if (background_.joinable()) background_.join();
  admin_thread_.stop();
  stop_cluster();
  if (registration_) registration_->stop();
  if (groups_) groups_->stop();
  flusher_.stop();
  if (cleaner_) cleaner_->stop();
  if (replicas_) replicas_->checkpoint_high_watermarks();
  if (logs_) logs_->shutdown();
  spdlog::info("broker {} shut down cleanly", config_.broker_id);
}

}  // namespace gregor::broker
