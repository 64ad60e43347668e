// The follower side of replication. For each broker that leads partitions this broker follows,
// one fetcher thread sends Kafka Fetch requests (replica_id = this broker) for all of them, as
// Kafka's replica fetcher threads do, and appends what comes back with the leader's offsets and
// epochs. Each request carries the epoch of the follower's last record (last_fetched_epoch); a
// leader whose log diverged from there answers with the end of that epoch in its log
// (diverging_epoch) and the follower truncates to it before fetching again: uncommitted records
// of a former leader are removed this way.
//
//   ReplicaFetchers fetchers(options, endpoint_of);
//   fetchers.follow(partition, /*leader=*/2, /*leader_epoch=*/7);  // on a state change
//   fetchers.unfollow(*partition);                                   // became leader, deleted
//   fetchers.stop();
//
// Thread-safe. The fetcher threads block on their sockets, never on a network thread.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>

#include "broker/partition.h"
#include "broker/replication_quota.h"
#include "cluster/partition_state.h"

namespace gregor::broker {

class ReplicaFetchers {
 public:
  struct Options {
    int32_t broker_id = 0;
    int32_t wait_max_ms = 500;
    int32_t min_bytes = 1;
    int32_t partition_max_bytes = 1048576;
    int32_t response_max_bytes = 10485760;
    int32_t backoff_ms = 1000;
    int32_t socket_timeout_ms = 30000;
  };
  // Where broker `id` takes fetches; nullopt while it is not registered.
  using EndpointOf = std::function<std::optional<cluster::BrokerEndpoint>(int32_t id)>;

  // `quota`: follower.replication.throttled.rate; a throttled partition (Partition::
  // follower_throttled) is left out of the fetches while it is exceeded.
  ReplicaFetchers(Options options, EndpointOf endpoint_of, ReplicationQuota& quota);
  ~ReplicaFetchers();
  ReplicaFetchers(const ReplicaFetchers&) = delete;
  ReplicaFetchers& operator=(const ReplicaFetchers&) = delete;

  // Fetches `partition` from `leader` from now on (moving it from any other leader's fetcher).
  void follow(std::shared_ptr<Partition> partition, int32_t leader, int32_t leader_epoch);
  void unfollow(const Partition& partition);
  // A broker registered again, maybe at another address: fetchers reconnect.
  void brokers_changed();
  void stop();

 private:
  class Fetcher;

  const Options options_;
  const EndpointOf endpoint_of_;
  ReplicationQuota& quota_;
  std::mutex mutex_;
  bool stopped_ = false;
  std::map<int32_t, std::unique_ptr<Fetcher>> fetchers_;  // by leader id
};

}  // namespace gregor::broker
