// Controller: runs on every broker; the one that holds the ephemeral /controller znode is the
// cluster's controller and keeps every partition's leader and ISR
// (/brokers/topics/<t>/partitions/<p>/state) right as brokers come and go. The design, the znodes
// and the failure cases are in docs/replication.md.
//
//   Controller controller(store, {.broker_id = 1, .unclean_leader_election_enable = false});
//   controller.start();                      // competes for /controller
//   ...
//   auto left = controller.controlled_shutdown(1).get();   // on SIGTERM, at the controller
//   controller.stop();
//
// Election: whoever creates /controller first, in one multi() with the increment of
// /controller_epoch (checked against the version read), is controller for that epoch. The
// others watch /controller and compete again when it is deleted. Every partition-state write
// is a multi() that checks /controller_epoch's version, so a controller that lost the role
// without noticing yet (paused, partitioned) cannot overwrite its successor's decisions; a failed
// check makes it resign.
//
// Threads: all work, including store calls, runs on the controller's own event thread; store
// watchers and the public methods only post events. The public methods are thread-safe.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <future>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "cluster/metadata_store.h"
#include "cluster/partition_election.h"
#include "cluster/partition_state.h"
#include "common/error_code.h"
#include "common/event_thread.h"
#include "common/topic_partition.h"

namespace gregor::cluster {

struct ControllerConfig {
  int32_t broker_id = 0;
  // Broker-wide default; /config/topics/<t> may override it per topic.
  bool unclean_leader_election_enable = false;
  bool auto_leader_rebalance_enable = true;
  std::chrono::milliseconds leader_imbalance_check_interval{300'000};
  // A broker is imbalanced when more than this percentage of the partitions it is the preferred
  // leader of are led by another broker.
  int32_t leader_imbalance_per_broker_percentage = 10;
};

// One partition's outcome of a preferred-leader election (ElectLeaders).
struct ElectionOutcome {
  TopicPartition partition;
  ErrorCode error = ErrorCode::kNone;  // kElectionNotNeeded, kPreferredLeaderNotAvailable, ...
  bool operator==(const ElectionOutcome&) const = default;
};

// The answer to ElectLeaders: kNotController (and no outcomes) when this broker is not the
// controller.
struct ElectionResult {
  ErrorCode error = ErrorCode::kNone;
  std::vector<ElectionOutcome> partitions;
};

// The answer to ControlledShutdown: the partitions the broker still leads (nothing could take
// over), or kNotController when this broker is not the controller.
struct ControlledShutdownResult {
  ErrorCode error = ErrorCode::kNone;
  std::vector<TopicPartition> remaining;
};

// AlterPartitionReassignments: move one partition to `target` replicas, or cancel its move
// (nullopt).
struct ReassignmentRequest {
  TopicPartition partition;
  std::optional<std::vector<int32_t>> target;
};

struct ReassignmentOutcome {
  TopicPartition partition;
  ErrorCode error = ErrorCode::kNone;
  std::string message;
};

// kNotController (and no outcomes) when this broker is not the controller.
struct ReassignmentResult {
  ErrorCode error = ErrorCode::kNone;
  std::vector<ReassignmentOutcome> partitions;
};

// ListPartitionReassignments: the moves in progress.
struct OngoingReassignment {
  TopicPartition partition;
  std::vector<int32_t> replicas;  // old and target ones, while the move lasts
  PartitionReassignment reassignment;
};

struct ReassignmentList {
  ErrorCode error = ErrorCode::kNone;
  std::vector<OngoingReassignment> partitions;
};

class Controller {
 public:
  Controller(MetadataStore& store, ControllerConfig config);
  ~Controller();  // stop()
  Controller(const Controller&) = delete;
  Controller& operator=(const Controller&) = delete;

  // Starts the event thread and competes for the controller role.
  void start();
  // Stops the event thread. Does not give up /controller: that is the session's ephemeral, gone
  // when the broker closes its store (or its session expires).
  void stop();

  // The store's session expired and a new one is open: its watches and ephemerals are gone.
  // Resigns, and competes again.
  void session_reestablished();

  bool is_active() const { return active_.load(); }
  // The epoch this broker was elected with; 0 if it never was.
  int32_t epoch() const { return epoch_.load(); }

  // Preferred-leader election for `partitions`, or for every partition when nullopt (only the
  // partitions that needed one are reported then).
  std::future<ElectionResult> elect_preferred_leaders(
      std::optional<std::vector<TopicPartition>> partitions);

  // Broker `broker_id` is about to shut down: moves the leadership of every partition it leads
  // to another ISR member and takes it out of the ISRs where it follows. It leads nothing new
  // until it has left /brokers/ids.
  std::future<ControlledShutdownResult> controlled_shutdown(int32_t broker_id);

  // The same two requests for callers that must not wait (a broker's network threads): `done`
  // runs on the controller's event thread with the result. It never runs if the controller is
  // stopped before the request is handled.
  void elect_preferred_leaders(std::optional<std::vector<TopicPartition>> partitions,
                               std::function<void(ElectionResult)> done);
  void controlled_shutdown(int32_t broker_id, std::function<void(ControlledShutdownResult)> done);

  // Partition reassignment, as Kafka does it: the partition's replicas become the old and the
  // target ones together (adding_replicas / removing_replicas in /brokers/topics/<t>); once
  // every target replica is in the ISR, leadership moves into the target if needed and the old
  // replicas are dropped. `done` runs on the controller's thread.
  void alter_reassignments(std::vector<ReassignmentRequest> requests,
                           std::function<void(ReassignmentResult)> done);
  // The moves in progress among `partitions` (all when nullopt).
  void list_reassignments(std::optional<std::vector<TopicPartition>> partitions,
                          std::function<void(ReassignmentList)> done);

  // Returns once every event queued before the call has been handled.
  void sync() { events_->sync(); }

 private:
  // One partition as the controller knows it: the replicas from /brokers/topics/<t> and the
  // state znode with its data version (-1: no znode), for the compare-and-set of the next write.
  struct Partition {
    std::vector<int32_t> replicas;
    std::optional<LeaderAndIsr> state;
    int32_t state_version = -1;
    int64_t state_mtime_ms = 0;          // when the state znode was last written
    PartitionReassignment reassignment;  // empty unless a move is in progress
    bool state_watch_armed = false;      // during a move: ISR changes bring us back
  };
  struct Topic {
    std::map<int32_t, Partition> partitions;
    std::optional<bool> unclean_override;  // from /config/topics/<t>
  };
  enum class WriteResult { kUnchanged, kOk, kFenced, kConflict, kGone };
  // What a partition's state should become, given what it is; nullopt to leave it.
  using Decide = std::function<std::optional<LeaderAndIsr>(const Partition&)>;

  // controller_election.cc: the role.
  Watcher watcher_posting(std::function<void()> handler);
  void elect();
  void watch_controller();
  void become_active();
  void resign(const char* why);

  // controller_context.cc: reading the cluster into the cache, re-arming the watches.
  bool children_watched(const std::string& path, bool& armed, void (Controller::*reload)(),
                        std::vector<std::string>& names);
  void load_brokers();
  void load_topics();
  void load_topic(const std::string& topic);
  void load_partition_state(const std::string& topic, int32_t partition_id, Partition& partition);
  BrokerSet eligible_brokers() const;
  BrokerSet restarted_since(int64_t state_mtime_ms) const;
  bool unclean_allowed(const Topic& topic) const;
  Partition* find(const TopicPartition& tp);

  // controller_partitions.cc: deciding and writing partition states.
  void reconcile();
  WriteResult update_partition(const TopicPartition& tp, Partition& partition,
                               const Decide& decide);
  bool fenced(StoreError rc, const std::vector<OpResult>& results);
  WriteResult write_state(const TopicPartition& tp, Partition& partition, const LeaderAndIsr& next);
  ElectionResult run_preferred_elections(
      const std::optional<std::vector<TopicPartition>>& partitions);
  ElectionOutcome elect_preferred_for(const TopicPartition& tp);
  ControlledShutdownResult run_controlled_shutdown(int32_t broker_id);
  void check_leader_imbalance();

  // controller_reassignment.cc: moving partitions.
  ReassignmentOutcome start_reassignment(const ReassignmentRequest& request);
  ReassignmentOutcome cancel_reassignment(const TopicPartition& tp, Partition& partition);
  // Completes the move of `tp` when every target replica is in the ISR; else watches its state.
  void continue_reassignment(const TopicPartition& tp, Partition& partition);
  void continue_reassignments();
  WriteResult write_replicas(const TopicPartition& tp, Partition& partition,
                             const std::vector<int32_t>& replicas,
                             const PartitionReassignment& reassignment);

  MetadataStore& store_;
  const ControllerConfig config_;
  // Shared with the watchers, which may outlive the controller in the store: they hold it weakly
  // and post nothing once it is gone.
  std::shared_ptr<EventThread> events_;
  std::atomic<bool> active_{false};
  std::atomic<int32_t> epoch_{0};

  // Event-thread state. A watch is "armed" while registered and not yet fired, so each is
  // registered once however often the controller re-reads.
  int32_t epoch_version_ = -1;  // /controller_epoch's data version after our increment
  bool controller_watch_armed_ = false;
  bool brokers_watch_armed_ = false;
  bool topics_watch_armed_ = false;
  std::set<std::string> topic_watches_armed_;
  BrokerSet live_brokers_;
  // When each live broker registered (its /brokers/ids znode's ctime): a broker registered after
  // a partition's state was written has restarted since, and its log may be shorter.
  std::map<int32_t, int64_t> registered_ms_;
  BrokerSet shutting_down_;
  std::map<std::string, Topic> topics_;
};

}  // namespace gregor::cluster
