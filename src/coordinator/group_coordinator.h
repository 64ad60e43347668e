// The group coordinator: Kafka's classic consumer-group protocol (JoinGroup, SyncGroup,
// Heartbeat, LeaveGroup), committed offsets, and group administration, for the groups whose
// __consumer_offsets partition this broker leads (on a single broker: all of them).
//
// Leadership: the broker tells the coordinator when it starts and stops leading an offsets
// partition (begin_leading / stop_leading). A partition it starts leading is read back by the
// coordinator's loader thread; until then its groups' requests get COORDINATOR_LOAD_IN_PROGRESS.
// Groups of partitions it does not lead get NOT_COORDINATOR.
//
// Who calls it: the API handlers in api/handlers, on network threads. Requests that must
// wait (a JoinGroup until every member has rejoined, a SyncGroup until the leader's assignment
// is stored, an OffsetCommit until it is durable) hand in a callback and return at once; the
// callback runs later on whichever thread completes it (another request's network thread, the
// flusher, or the coordinator's own timer thread), never under the coordinator's mutex.
//
// Time: deadlines (sessions, join phases, MEMBER_ID_REQUIRED ids, offset retention) are acted on
// by tick(), which the coordinator's timer thread calls when the earliest of them comes (as
// Kafka's timers do: a session expires at its deadline, not on the next round of a poll); tests
// call it themselves with a fake clock. One mutex guards every group: the work under it is small
// and never waits.
#pragma once

#include <condition_variable>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <thread>

#include "coordinator/group.h"
#include "coordinator/group_config.h"
#include "coordinator/offsets_log.h"

namespace gregor::coordinator {

struct JoinParams {
  std::string group_id;
  std::string member_id;
  std::optional<std::string> instance_id;
  std::string protocol_type;
  std::vector<Protocol> protocols;
  int32_t session_timeout_ms = 0;
  int32_t rebalance_timeout_ms = -1;  // -1 (JoinGroup v0): the session timeout
  std::string client_id;
  std::string client_host;
  bool require_known_member_id = false;  // JoinGroup v4+ (KIP-394)
};

struct SyncParams {
  std::string group_id;
  int32_t generation = -1;
  std::string member_id;
  std::optional<std::string> instance_id;
  std::optional<std::string> protocol_type;
  std::optional<std::string> protocol_name;
  std::vector<std::pair<std::string, Bytes>> assignments;  // the leader's only
};

struct MemberIdentity {
  std::string member_id;
  std::optional<std::string> instance_id;
};

struct LeaveResult {
  ErrorCode error = ErrorCode::kNone;
  std::vector<ErrorCode> members;  // one per requested member, in order
};

struct OffsetCommit {
  std::string topic;
  int32_t partition = 0;
  CommittedOffset value;
};

// OffsetFetch of one group: the error is the group's (NOT_COORDINATOR, ...), else the offsets.
struct FetchedOffsets {
  ErrorCode error = ErrorCode::kNone;
  std::vector<OffsetCommit> offsets;
};

struct GroupOverview {
  std::string group_id;
  std::string protocol_type;
  GroupState state;
};

struct GroupDescription {
  ErrorCode error = ErrorCode::kNone;
  std::string group_id;
  GroupState state = GroupState::kDead;
  std::string protocol_type;
  std::string protocol_name;
  struct MemberInfo {
    std::string member_id;
    std::optional<std::string> instance_id;
    std::string client_id;
    std::string client_host;
    Bytes metadata;
    Bytes assignment;
  };
  std::vector<MemberInfo> members;
};

// ListGroups: COORDINATOR_LOAD_IN_PROGRESS while a partition is being read, as Kafka answers.
struct GroupListing {
  ErrorCode error = ErrorCode::kNone;
  std::vector<GroupOverview> groups;
};

// Kafka accepts any group id except an empty one (for the membership APIs); Gregor also refuses
// ids too long for the int16-length strings of the __consumer_offsets records.
inline constexpr size_t kMaxGroupIdBytes = 32767;
inline bool valid_group_id(const std::string& id, bool allow_empty) {
  return (allow_empty || !id.empty()) && id.size() <= kMaxGroupIdBytes;
}

class GroupCoordinator {
 public:
  using Clock = std::function<int64_t()>;  // milliseconds; steady for deadlines, wall for stamps

  // `log` outlives the coordinator. The clocks default to the real ones.
  GroupCoordinator(GroupConfig config, OffsetsLog& log, Clock steady = {}, Clock wall = {});
  ~GroupCoordinator();

  // Leads every __consumer_offsets partition and reads them all now, on the calling thread: a
  // coordinator without a broker's leadership (unit tests).
  ErrorCode load();
  // This broker now leads offsets partition `partition`: its groups are read by the loader
  // thread (at once, when `has_records` is false) and served once read. Idempotent. Any thread
  // but never under a lock the coordinator's callbacks take.
  void begin_leading(int32_t partition, bool has_records);
  // This broker no longer leads `partition` (follower, deleted, offline): its groups are
  // dropped, their waiting requests answered NOT_COORDINATOR. Idempotent.
  void stop_leading(int32_t partition);
  // Blocks until every load begun so far is done (start-up: the broker serves afterwards).
  void wait_for_loads();
  // Starts / stops the timer and loader threads. stop() answers every waiting request with
  // COORDINATOR_NOT_AVAILABLE so that no request is left hanging at shutdown.
  void start();
  void stop();
  // Expires sessions, ends join phases and expires old offsets whose time has come.
  void tick();

  void join(JoinParams params, JoinCallback done);
  void sync(SyncParams params, SyncCallback done);
  ErrorCode heartbeat(const std::string& group_id, int32_t generation, const std::string& member_id,
                      const std::optional<std::string>& instance_id);
  LeaveResult leave(const std::string& group_id, const std::vector<MemberIdentity>& members);

  // The errors of a commit apply to every partition in it. Partitions of unknown topics are
  // the caller's to filter out (it knows the topics).
  void commit_offsets(const std::string& group_id, int32_t generation, const std::string& member_id,
                      const std::optional<std::string>& instance_id,
                      std::vector<OffsetCommit> offsets, std::function<void(ErrorCode)> done);
  // nullopt partitions: every committed offset of the group. Missing ones come back as -1.
  FetchedOffsets fetch_offsets(const std::string& group_id,
                               const std::optional<std::vector<TopicPartition>>& partitions);
  // OffsetDelete: `done` gets the group-level error and one error per partition, once the
  // tombstones are durable (or failed to be stored: then that error is the group's).
  using DeleteOffsetsCallback = std::function<void(ErrorCode, std::vector<ErrorCode>)>;
  void delete_offsets(const std::string& group_id, const std::vector<TopicPartition>& partitions,
                      DeleteOffsetsCallback done);

  GroupListing list_groups();
  GroupDescription describe(const std::string& group_id);
  // DeleteGroups of one group; `done` runs once its tombstones are durable.
  void delete_group(const std::string& group_id, std::function<void(ErrorCode)> done);

  const GroupConfig& config() const { return config_; }

 private:
  using Actions = std::vector<std::function<void()>>;
  using Groups = std::map<std::string, std::unique_ptr<Group>>;
  enum class Ownership : uint8_t { kNone, kLoading, kLoaded };
  struct OffsetsPartition {
    Ownership ownership = Ownership::kNone;
    uint64_t term = 0;  // changes on every begin/stop: a load of an older term is discarded
  };
  struct LoadTask {
    int32_t partition;
    uint64_t term;
  };

  Group* find(const std::string& group_id);
  Group& get_or_create(const std::string& group_id);
  Group& get_or_create(Groups& groups, const std::string& group_id);
  int32_t partition_of(const std::string& group_id) const;
  // Under the mutex: why this coordinator cannot serve `group_id` now (kNone if it can).
  ErrorCode ownership_error(const std::string& group_id) const;
  // Without the mutex: creates the offsets topic if needed (its leadership then arrives through
  // begin_leading), so that the first request of a single broker finds its partitions led.
  void prepare_storage();
  void run_loader();
  // Without the mutex: the groups stored in `partition`, read from its log.
  Groups read_partition(int32_t partition, ErrorCode& error);
  void finish_load(const LoadTask& task, ErrorCode error, Groups loaded);
  void drop_groups(int32_t partition, Actions& out);
  void join_new_member(Group& group, JoinParams& params, JoinCallback& done, Actions& out);
  void join_known_member(Group& group, JoinParams& params, JoinCallback& done, Actions& out);
  void add_member_and_rebalance(Group& group, const std::string& id, JoinParams& params,
                                JoinCallback done, Actions& out);
  void update_member_and_rebalance(Group& group, Member& member, JoinParams& params,
                                   JoinCallback done, Actions& out);
  void replace_static_member(Group& group, JoinParams& params, JoinCallback& done, Actions& out);
  JoinResult current_join_result(const Group& group, const std::string& member_id) const;
  void prepare_rebalance(Group& group, Actions& out);
  void try_complete_join(Group& group, Actions& out);
  void complete_join(Group& group, Actions& out);
  void remove_member(Group& group, const std::string& member_id, Actions& out);
  void set_state(Group& group, GroupState state);
  void renew_session(Member& member);
  // A deadline was set for `deadline_ms`: the timer thread wakes by then. Under mutex_.
  void schedule(int64_t deadline_ms);
  // The earliest deadline of any group, or of the retention check. Under mutex_.
  int64_t next_deadline_ms() const;
  // Forgets MEMBER_ID_REQUIRED ids and members whose session ended by `now`.
  void expire_sessions(Group& group, int64_t now, Actions& out);
  void store_group(Group& group, std::map<std::string, Bytes> assignments, Actions& out);
  void finish_sync(const std::string& group_id, int32_t generation,
                   std::map<std::string, Bytes> assignments, ErrorCode stored);
  void expire_offsets(Actions& out);
  void append_records(const std::string& group_id,
                      std::vector<std::pair<Bytes, std::optional<Bytes>>> records,
                      std::function<void(ErrorCode)> done, Actions& out);
  void apply_record(Groups& groups, protocol::ByteView key,
                    std::optional<protocol::ByteView> value);
  void restore_group(Group& group, const GroupValue& value);
  ErrorCode check_member(const Group& group, int32_t generation, const std::string& member_id,
                         const std::optional<std::string>& instance_id) const;
  void run();

  const GroupConfig config_;
  OffsetsLog& log_;
  const Clock steady_;
  const Clock wall_;

  mutable std::mutex mutex_;
  Groups groups_;  // of the loaded partitions only
  std::map<int32_t, OffsetsPartition> partitions_;
  uint64_t last_term_ = 0;
  // Numbers offset commits in the order they are received (and appended to the log): a
  // commit's completion applies in memory only over an older commit of the same partition.
  uint64_t last_commit_order_ = 0;
  std::deque<LoadTask> loads_;  // the loader's queue; the front is the one being read
  int64_t next_retention_check_ms_ = 0;
  int64_t next_wake_ms_ = 0;  // when the timer thread runs tick() next (steady ms)

  std::condition_variable wake_;
  std::condition_variable load_wake_;
  std::condition_variable loads_done_;
  bool stopping_ = false;
  std::thread thread_;
  std::thread loader_;
};

}  // namespace gregor::coordinator
