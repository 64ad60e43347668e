// The group coordinator: Kafka's classic consumer-group protocol (JoinGroup, SyncGroup,
// Heartbeat, LeaveGroup), committed offsets, and group administration, for every group (a
// single broker coordinates them all).
//
// Who calls it: the API handlers in broker/handlers, on network threads. Requests that must
// wait (a JoinGroup until every member has rejoined, a SyncGroup until the leader's assignment
// is stored, an OffsetCommit until it is durable) hand in a callback and return at once; the
// callback runs later on whichever thread completes it (another request's network thread, the
// flusher, or the coordinator's own timer thread), never under the coordinator's mutex.
//
// Time: deadlines (sessions, join phases, MEMBER_ID_REQUIRED ids) are checked by tick(), which
// the coordinator's thread calls every 50 ms after start(); tests call it themselves with a
// fake clock. One mutex guards every group: the work under it is small and never waits.
#pragma once

#include <condition_variable>
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

  // Reads every __consumer_offsets partition back into memory. Call once, before requests.
  ErrorCode load();
  // Starts / stops the timer thread. stop() answers every waiting request with
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
  std::vector<OffsetCommit> fetch_offsets(
      const std::string& group_id, const std::optional<std::vector<TopicPartition>>& partitions);
  // OffsetDelete: `done` gets the group-level error and one error per partition, once the
  // tombstones are durable (or failed to be stored: then that error is the group's).
  using DeleteOffsetsCallback = std::function<void(ErrorCode, std::vector<ErrorCode>)>;
  void delete_offsets(const std::string& group_id, const std::vector<TopicPartition>& partitions,
                      DeleteOffsetsCallback done);

  std::vector<GroupOverview> list_groups();
  GroupDescription describe(const std::string& group_id);
  // DeleteGroups of one group; `done` runs once its tombstones are durable.
  void delete_group(const std::string& group_id, std::function<void(ErrorCode)> done);

  const GroupConfig& config() const { return config_; }

 private:
  using Actions = std::vector<std::function<void()>>;
  class Locked;

  Group* find(const std::string& group_id);
  Group& get_or_create(const std::string& group_id);
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
  void store_group(Group& group, std::map<std::string, Bytes> assignments, Actions& out);
  void finish_sync(const std::string& group_id, int32_t generation,
                   std::map<std::string, Bytes> assignments, ErrorCode stored);
  void expire_offsets(Actions& out);
  void append_records(const std::string& group_id,
                      std::vector<std::pair<Bytes, std::optional<Bytes>>> records,
                      std::function<void(ErrorCode)> done, Actions& out);
  void apply_record(protocol::ByteView key, std::optional<protocol::ByteView> value);
  void restore_group(Group& group, const GroupValue& value);
  ErrorCode check_member(const Group& group, int32_t generation, const std::string& member_id,
                         const std::optional<std::string>& instance_id) const;
  void run();

  const GroupConfig config_;
  OffsetsLog& log_;
  const Clock steady_;
  const Clock wall_;

  std::mutex mutex_;
  std::map<std::string, std::unique_ptr<Group>> groups_;
  int64_t next_retention_check_ms_ = 0;

  std::condition_variable wake_;
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace gregor::coordinator
