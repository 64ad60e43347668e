// What this broker knows of the cluster beyond its own logs, kept current by watches on the
// metadata store: the live brokers and their endpoints (/brokers/ids), the controller
// (/controller), the topics (/brokers/topics, /config/topics) and the state of every partition
// (leader, leader epoch, ISR: /brokers/topics/<t>/partitions/<p>/state). The Metadata API
// answers from it, and the broker is told of every change through the Listener, to create or
// drop logs and to lead or follow.
//
// Threads: watches only post to the broker's cluster event thread, where all reading of the store
// and all Listener calls happen, in order. The snapshot getters are for any thread.
#pragma once

#include <map>
#include <memory>
#include <optional>
#include <set>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <vector>

#include "broker/partition_key.h"
#include "cluster/metadata_store.h"
#include "cluster/partition_state.h"
#include "common/event_thread.h"

namespace gregor::broker {

struct PartitionLeadership {
  cluster::LeaderAndIsr state;
  int32_t version = -1;  // the state znode's data version
};

class MetadataCache {
 public:
  class Listener {
   public:
    virtual ~Listener() = default;
    // The topic's znode or its config appeared, changed or went away. False if the listener
    // could not read it from the store (connection loss): the cache calls again in retry_unread.
    virtual bool on_topic_changed(const std::string& topic) = 0;
    // A partition's state was read: first, or after a change.
    virtual void on_partition_state(const std::string& topic, int32_t partition,
                                    const PartitionLeadership& leadership) = 0;
    // Brokers registered or left.
    virtual void on_brokers_changed() = 0;
  };

  MetadataCache(cluster::MetadataStore& store, std::shared_ptr<EventThread> events,
                Listener& listener);

  // On the event thread: reads the brokers, the controller and the topics, arms the watches and
  // reports every topic to the listener.
  void load();
  // On the event thread: the states of `topic`'s partitions below `count` are read (and watched)
  // and reported; states of higher partitions are forgotten.
  void track_partitions(const std::string& topic, int32_t count);
  // On the event thread, after a session expiry: the watches are gone; everything is read again.
  void reload();
  // On the event thread, periodically: reads what a store failure (connection loss) kept from
  // being read and watched.
  void retry_unread();

  // A state this broker wrote itself (topic creation, an ISR change); kept unless the cache has
  // a newer version already. Any thread.
  void record_state(const std::string& topic, int32_t partition,
                    const PartitionLeadership& leadership);

  std::vector<cluster::BrokerRegistration> live_brokers() const;
  std::optional<cluster::BrokerRegistration> broker(int32_t id) const;
  int32_t controller_id() const;
  std::optional<PartitionLeadership> partition(std::string_view topic, int32_t partition) const;

 private:
  using Key = PartitionKey;

  // A watcher that, when it fires, disarms `path` and runs `reload` on the event thread. Empty
  // if a watch on `path` is armed already (ZooKeeper would report each registration).
  cluster::Watcher arm(const std::string& path, std::function<void()> reload);
  void load_brokers();
  void load_controller();
  void load_topics();
  void watch_topic(const std::string& topic);
  void load_state(const std::string& topic, int32_t partition);
  // Tells the listener of a change to `topic`, and remembers it for retry_unread() if the
  // listener could not read it.
  void topic_changed(const std::string& topic);

  cluster::MetadataStore& store_;
  std::shared_ptr<EventThread> events_;
  Listener& listener_;

  // Event-thread state.
  std::set<std::string> armed_;
  std::set<std::string> topics_;
  std::map<std::string, int32_t> tracked_;  // topic -> partitions whose state is watched
  std::set<Key> unread_states_;             // reads that failed, for retry_unread()
  std::set<std::string> unread_topics_;     // topic changes the listener could not read

  mutable std::shared_mutex mutex_;  // guards the snapshot below
  std::map<int32_t, cluster::BrokerRegistration> brokers_;
  int32_t controller_id_ = -1;
  std::map<Key, PartitionLeadership, PartitionKeyLess> states_;
};

}  // namespace gregor::broker
