#include "broker/metadata_cache.h"

#include <spdlog/spdlog.h>

namespace gregor::broker {

using cluster::StoreError;

MetadataCache::MetadataCache(cluster::MetadataStore& store, std::shared_ptr<EventThread> events,
                             Listener& listener)
    : store_(store), events_(std::move(events)), listener_(listener) {}

cluster::Watcher MetadataCache::arm(const std::string& path, std::function<void()> reload) {
  if (!armed_.insert(path).second) return {};
  std::weak_ptr<EventThread> events = events_;
  return [this, events, path, reload = std::move(reload)](cluster::WatchEvent, const std::string&) {
    auto alive = events.lock();
    if (!alive) return;
    alive->post([this, path, reload] {
      armed_.erase(path);
      reload();
    });
  };
}

void MetadataCache::load() {
  load_brokers();
  load_controller();
  load_topics();
}

void MetadataCache::reload() {
  armed_.clear();
  load();
  for (const auto& [topic, count] : tracked_) {
    for (int32_t p = 0; p < count; ++p)
      load_state(topic, p);
  }
}

void MetadataCache::retry_unread() {
  // A path without an armed watch was not read: a store failure stopped it.
  if (!armed_.contains(cluster::kBrokerIdsPath)) load_brokers();
  if (!armed_.contains(cluster::kControllerPath)) load_controller();
  if (!armed_.contains(cluster::kBrokerTopicsPath)) load_topics();
  auto unread_topics = std::move(unread_topics_);
  unread_topics_.clear();
  for (const auto& topic : unread_topics)
    topic_changed(topic);
  auto unread = std::move(unread_states_);
  unread_states_.clear();
  for (const auto& [topic, partition] : unread) {
    auto it = tracked_.find(topic);
    if (it != tracked_.end() && partition < it->second) load_state(topic, partition);
  }
}

void MetadataCache::load_brokers() {
  std::vector<std::string> names;
  auto watch = arm(cluster::kBrokerIdsPath, [this] { load_brokers(); });
  if (auto rc = store_.children(cluster::kBrokerIdsPath, names, watch); rc != StoreError::kOk) {
    spdlog::error("cannot list {}: {}", cluster::kBrokerIdsPath, cluster::store_error_name(rc));
    armed_.erase(cluster::kBrokerIdsPath);
    return;
  }
  std::map<int32_t, cluster::BrokerRegistration> live;
  for (const auto& name : names) {
    auto id = cluster::parse_znode_number(name);
    std::string data;
    if (!id || store_.get(cluster::broker_path(*id), data) != StoreError::kOk) continue;
    auto registration = cluster::parse_broker_registration(*id, data);
    live[*id] = registration ? *registration : cluster::BrokerRegistration{.id = *id};
  }
  {
    std::unique_lock lock(mutex_);
    brokers_ = std::move(live);
  }
  listener_.on_brokers_changed();
}

void MetadataCache::load_controller() {
  auto watch = arm(cluster::kControllerPath, [this] { load_controller(); });
  std::string data;
  StoreError rc = store_.exists(cluster::kControllerPath, nullptr, watch);
  if (rc == StoreError::kOk) rc = store_.get(cluster::kControllerPath, data);
  if (rc != StoreError::kOk && rc != StoreError::kNoNode) {
    armed_.erase(cluster::kControllerPath);  // unreachable: keep what we know, retry later
    return;
  }
  auto controller = rc == StoreError::kOk ? cluster::parse_controller(data) : std::nullopt;
  std::unique_lock lock(mutex_);
  controller_id_ = controller ? controller->broker_id : -1;
}

void MetadataCache::load_topics() {
  std::vector<std::string> names;
  auto watch = arm(cluster::kBrokerTopicsPath, [this] { load_topics(); });
  if (auto rc = store_.children(cluster::kBrokerTopicsPath, names, watch); rc != StoreError::kOk) {
    armed_.erase(cluster::kBrokerTopicsPath);
    if (rc != StoreError::kNoNode) {
      spdlog::error("cannot list {}: {}", cluster::kBrokerTopicsPath,
                    cluster::store_error_name(rc));
    }
    return;
  }
  std::set<std::string> present(names.begin(), names.end());
  std::vector<std::string> gone;
  for (const auto& topic : topics_) {
    if (!present.contains(topic)) gone.push_back(topic);
  }
  for (const auto& topic : gone) {
    topics_.erase(topic);
    track_partitions(topic, 0);
    tracked_.erase(topic);
    topic_changed(topic);
  }
  for (const auto& topic : names) {
    watch_topic(topic);
    if (topics_.insert(topic).second) topic_changed(topic);
  }
}

void MetadataCache::topic_changed(const std::string& topic) {
  if (listener_.on_topic_changed(topic)) {
    unread_topics_.erase(topic);
  } else {
    unread_topics_.insert(topic);
  }
}

// The topic's znode (partitions added, replicas moved) and its config, watched for changes.
void MetadataCache::watch_topic(const std::string& topic) {
  auto changed = [this, topic] {
    watch_topic(topic);
    if (topics_.contains(topic)) topic_changed(topic);
  };
  for (const auto& path : {cluster::topic_path(topic), cluster::kTopicConfigsPath + "/" + topic}) {
    if (auto watch = arm(path, changed)) store_.exists(path, nullptr, watch);
  }
}

void MetadataCache::track_partitions(const std::string& topic, int32_t count) {
  int32_t& tracked = tracked_[topic];
  if (count < tracked) {
    std::unique_lock lock(mutex_);
    for (int32_t p = count; p < tracked; ++p)
      states_.erase(Key{topic, p});
  }
  const int32_t before = tracked;
  tracked = count;
  for (int32_t p = before; p < count; ++p)
    load_state(topic, p);
}

void MetadataCache::load_state(const std::string& topic, int32_t partition) {
  const std::string path = cluster::partition_state_path(topic, partition);
  auto watch = arm(path, [this, topic, partition] {
    auto it = tracked_.find(topic);
    if (it != tracked_.end() && partition < it->second) load_state(topic, partition);
  });
  // exists() watches creation as well as changes and deletion.
  cluster::Stat stat;
  std::string data;
  StoreError rc = store_.exists(path, &stat, watch);
  if (rc == StoreError::kOk) rc = store_.get(path, data, &stat);
  if (rc == StoreError::kNoNode) {
    std::unique_lock lock(mutex_);  // deleted (with its topic): a recreated one starts anew
    states_.erase(Key{topic, partition});
    return;
  }
  if (rc != StoreError::kOk) {
    // The store is unreachable: keep what we know, and read it again later.
    armed_.erase(path);
    unread_states_.insert({topic, partition});
    return;
  }
  auto state = cluster::parse_leader_and_isr(data);
  if (!state) {
    spdlog::error("unreadable partition state {}: {}", path, data);
    return;
  }
  PartitionLeadership leadership{*state, stat.version};
  record_state(topic, partition, leadership);
  listener_.on_partition_state(topic, partition, leadership);
}

void MetadataCache::record_state(const std::string& topic, int32_t partition,
                                 const PartitionLeadership& leadership) {
  std::unique_lock lock(mutex_);
  auto [it, inserted] = states_.try_emplace(Key{topic, partition}, leadership);
  if (!inserted && it->second.version <= leadership.version) it->second = leadership;
}

std::vector<cluster::BrokerRegistration> MetadataCache::live_brokers() const {
  std::shared_lock lock(mutex_);
  std::vector<cluster::BrokerRegistration> out;
  out.reserve(brokers_.size());
  for (const auto& [_, broker] : brokers_)
    out.push_back(broker);
  return out;
}

std::optional<cluster::BrokerRegistration> MetadataCache::broker(int32_t id) const {
  std::shared_lock lock(mutex_);
  auto it = brokers_.find(id);
  if (it == brokers_.end()) return std::nullopt;
  return it->second;
}

int32_t MetadataCache::controller_id() const {
  std::shared_lock lock(mutex_);
  return controller_id_;
}

std::optional<PartitionLeadership> MetadataCache::partition(std::string_view topic,
                                                            int32_t partition) const {
  std::shared_lock lock(mutex_);
  auto it = states_.find(std::pair<std::string_view, int32_t>(topic, partition));
  if (it == states_.end()) return std::nullopt;
  return it->second;
}

}  // namespace gregor::broker
