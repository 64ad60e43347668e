#include "coordinator/group_coordinator.h"

#include <gtest/gtest.h>

#include "coordinator/testing_offsets_log.h"

namespace gregor::coordinator {
namespace {

class GroupCoordinatorTest : public ::testing::Test {
 protected:
  GroupCoordinatorTest() { make(); }

  void make(int32_t initial_delay = 0) {
    GroupConfig config;
    config.initial_rebalance_delay_ms = initial_delay;
    coordinator = std::make_unique<GroupCoordinator>(
        config, log, [this] { return now; }, [this] { return wall; });
    coordinator->load();  // leads every partition, as a single broker does
  }

  JoinParams params(const std::string& member, std::string protocol = "range",
                    Bytes metadata = {1}) {
    JoinParams p;
    p.group_id = "g";
    p.member_id = member;
    p.protocol_type = "consumer";
    p.protocols = {{std::move(protocol), std::move(metadata)}};
    p.session_timeout_ms = 10000;
    p.rebalance_timeout_ms = 30000;
    p.client_id = "c";
    p.require_known_member_id = true;
    return p;
  }

  // Starts a JoinGroup; the result lands in the returned slot when it completes.
  std::shared_ptr<std::optional<JoinResult>> join(JoinParams p) {
    auto slot = std::make_shared<std::optional<JoinResult>>();
    coordinator->join(std::move(p), [slot](JoinResult r) { *slot = std::move(r); });
    return slot;
  }

  std::shared_ptr<std::optional<SyncResult>> sync(
      const std::string& member, int32_t generation,
      std::vector<std::pair<std::string, Bytes>> a = {}) {
    auto slot = std::make_shared<std::optional<SyncResult>>();
    SyncParams p{"g", generation, member, std::nullopt, std::nullopt, std::nullopt, std::move(a)};
    coordinator->sync(std::move(p), [slot](SyncResult r) { *slot = std::move(r); });
    return slot;
  }

  // A member through the KIP-394 handshake and a completed rebalance (alone in the group).
  std::string join_alone() {
    auto first = join(params(""));
    EXPECT_EQ((*first)->error, ErrorCode::kMemberIdRequired);
    const std::string id = (*first)->member_id;
    auto second = join(params(id));
    EXPECT_TRUE(second->has_value());
    return id;
  }

  GroupState state() { return coordinator->describe("g").state; }

  // The log completes appends at once unless held: then these must not be used.
  std::optional<ErrorCode> delete_group(const std::string& group) {
    std::optional<ErrorCode> result;
    coordinator->delete_group(group, [&result](ErrorCode e) { result = e; });
    return result;
  }

  std::optional<ErrorCode> delete_offsets(const std::string& group,
                                          const std::vector<TopicPartition>& partitions,
                                          std::vector<ErrorCode>& errors) {
    std::optional<ErrorCode> result;
    coordinator->delete_offsets(group, partitions, [&](ErrorCode e, std::vector<ErrorCode> per) {
      result = e;
      errors = std::move(per);
    });
    return result;
  }

  FakeOffsetsLog log;
  int64_t now = 1000;
  int64_t wall = 1700000000000;
  std::unique_ptr<GroupCoordinator> coordinator;
};

TEST_F(GroupCoordinatorTest, FirstMemberBecomesLeaderAndSyncMakesGroupStable) {
  auto first = join(params(""));
  ASSERT_TRUE(first->has_value());
  EXPECT_EQ((*first)->error, ErrorCode::kMemberIdRequired);
  const std::string id = (*first)->member_id;
  EXPECT_TRUE(id.starts_with("c-"));

  auto joined = join(params(id));
  ASSERT_TRUE(joined->has_value());
  EXPECT_EQ((*joined)->error, ErrorCode::kNone);
  EXPECT_EQ((*joined)->generation, 1);
  EXPECT_EQ((*joined)->leader, id);
  EXPECT_EQ((*joined)->protocol_name, "range");
  ASSERT_EQ((*joined)->members.size(), 1u);
  EXPECT_EQ(state(), GroupState::kCompletingRebalance);

  auto synced = sync(id, 1, {{id, {9, 9}}});
  ASSERT_TRUE(synced->has_value());
  EXPECT_EQ((*synced)->assignment, (Bytes{9, 9}));
  EXPECT_EQ(state(), GroupState::kStable);
  EXPECT_EQ(coordinator->heartbeat("g", 1, id, std::nullopt), ErrorCode::kNone);
}

TEST_F(GroupCoordinatorTest, SyncWaitsUntilTheAssignmentIsDurable) {
  const std::string id = join_alone();
  log.hold = true;
  auto synced = sync(id, 1, {{id, {1}}});
  EXPECT_FALSE(synced->has_value());
  log.release();
  ASSERT_TRUE(synced->has_value());
  EXPECT_EQ((*synced)->error, ErrorCode::kNone);
}

TEST_F(GroupCoordinatorTest, NewMemberTriggersRebalanceAndBothRejoin) {
  const std::string a = join_alone();
  sync(a, 1, {{a, {1}}});
  auto b_first = join(params(""));
  const std::string b = (*b_first)->member_id;
  auto b_join = join(params(b));
  EXPECT_FALSE(b_join->has_value());  // waits for a to rejoin
  EXPECT_EQ(state(), GroupState::kPreparingRebalance);
  EXPECT_EQ(coordinator->heartbeat("g", 1, a, std::nullopt), ErrorCode::kRebalanceInProgress);
  auto a_join = join(params(a));
  ASSERT_TRUE(a_join->has_value() && b_join->has_value());
  EXPECT_EQ((*a_join)->generation, 2);
  EXPECT_EQ((*a_join)->leader, a);
  EXPECT_EQ((*a_join)->members.size(), 2u);
  EXPECT_TRUE((*b_join)->members.empty());
  auto b_sync = sync(b, 2);
  EXPECT_FALSE(b_sync->has_value());
  auto a_sync = sync(a, 2, {{a, {1}}, {b, {2}}});
  ASSERT_TRUE(b_sync->has_value());
  EXPECT_EQ((*b_sync)->assignment, (Bytes{2}));
  EXPECT_EQ(coordinator->heartbeat("g", 1, a, std::nullopt), ErrorCode::kIllegalGeneration);
  EXPECT_EQ(coordinator->heartbeat("g", 2, "nobody", std::nullopt), ErrorCode::kUnknownMemberId);
}

TEST_F(GroupCoordinatorTest, ExpiredSessionRemovesMemberAndRebalances) {
  const std::string a = join_alone();
  sync(a, 1, {{a, {1}}});
  const std::string b = (*join(params("")))->member_id;
  auto b_join = join(params(b));
  join(params(a));
  sync(a, 2, {});
  sync(b, 2);
  EXPECT_EQ(state(), GroupState::kStable);
  now += 6000;
  EXPECT_EQ(coordinator->heartbeat("g", 2, b, std::nullopt), ErrorCode::kNone);
  now += 6000;  // a has been silent for 12 s > 10 s
  coordinator->tick();
  EXPECT_EQ(state(), GroupState::kPreparingRebalance);
  EXPECT_EQ(coordinator->heartbeat("g", 2, a, std::nullopt), ErrorCode::kUnknownMemberId);
  auto rejoin = join(params(b));
  ASSERT_TRUE(rejoin->has_value());
  EXPECT_EQ((*rejoin)->generation, 3);
  EXPECT_EQ((*rejoin)->leader, b);
}

TEST_F(GroupCoordinatorTest, DeleteGroupsAtTheSessionDeadlineFindsTheSilentMemberGone) {
  const std::string a = join_alone();
  sync(a, 1, {{a, {1}}});
  now += 9999;
  EXPECT_EQ(delete_group("g"), ErrorCode::kNonEmptyGroup);
  now += 1;  // the deadline, with no tick() since
  EXPECT_EQ(delete_group("g"), ErrorCode::kNone);
}

TEST_F(GroupCoordinatorTest, MembersThatDoNotRejoinAreDroppedAtRebalanceTimeout) {
  const std::string a = join_alone();
  sync(a, 1, {{a, {1}}});
  const std::string b = (*join(params("")))->member_id;
  auto b_join = join(params(b));
  EXPECT_FALSE(b_join->has_value());
  now += 29000;
  EXPECT_EQ(coordinator->heartbeat("g", 1, a, std::nullopt), ErrorCode::kRebalanceInProgress);
  coordinator->tick();
  EXPECT_FALSE(b_join->has_value());
  now += 2000;
  coordinator->tick();
  ASSERT_TRUE(b_join->has_value());
  EXPECT_EQ((*b_join)->leader, b);
  EXPECT_EQ((*b_join)->members.size(), 1u);
}

TEST_F(GroupCoordinatorTest, InitialRebalanceDelayGathersMembers) {
  make(3000);
  auto a = join(params("", "range"));
  const std::string a_id = (*a)->member_id;
  auto a_join = join(params(a_id));
  now += 2000;
  coordinator->tick();
  EXPECT_FALSE(a_join->has_value());
  const std::string b_id = (*join(params("")))->member_id;
  auto b_join = join(params(b_id));
  now += 1500;  // the first delay ended, but b arrived during it: one more delay
  coordinator->tick();
  EXPECT_FALSE(a_join->has_value());
  now += 3000;
  coordinator->tick();
  ASSERT_TRUE(a_join->has_value() && b_join->has_value());
  EXPECT_EQ((*a_join)->generation, 1);
  EXPECT_EQ((*a_join)->members.size(), 2u);
}

TEST_F(GroupCoordinatorTest, RejectsBadRequests) {
  auto p = params("");
  p.session_timeout_ms = 10;
  EXPECT_EQ((*join(p))->error, ErrorCode::kInvalidSessionTimeout);
  p = params("");
  p.group_id = "";
  EXPECT_EQ((*join(p))->error, ErrorCode::kInvalidGroupId);
  EXPECT_EQ((*join(params("unknown-member")))->error, ErrorCode::kUnknownMemberId);
  const std::string a = join_alone();
  auto other = params("", "roundrobin");
  other.member_id = "";
  other.require_known_member_id = false;
  EXPECT_EQ((*join(other))->error, ErrorCode::kInconsistentGroupProtocol);
  EXPECT_EQ((*sync(a, 7))->error, ErrorCode::kIllegalGeneration);
}

TEST_F(GroupCoordinatorTest, SelectsTheProtocolEveryoneSupportsWithMostVotes) {
  Group group;
  auto add = [&](const std::string& id, std::vector<std::string> names) {
    Member m;
    m.id = id;
    for (auto& n : names)
      m.protocols.push_back({n, {}});
    group.members[id] = m;
  };
  add("a", {"range", "roundrobin", "sticky"});
  add("b", {"sticky", "roundrobin"});
  add("c", {"sticky", "range", "roundrobin"});
  EXPECT_EQ(group.select_protocol(), "sticky");
  add("d", {"roundrobin"});
  EXPECT_EQ(group.select_protocol(), "roundrobin");
}

TEST_F(GroupCoordinatorTest, StableFollowerRejoiningWithSameMetadataKeepsGeneration) {
  const std::string a = join_alone();
  sync(a, 1, {{a, {1}}});
  const std::string b = (*join(params("")))->member_id;
  join(params(b));
  join(params(a));
  sync(a, 2, {});
  auto again = join(params(b));
  ASSERT_TRUE(again->has_value());
  EXPECT_EQ((*again)->generation, 2);
  EXPECT_EQ(state(), GroupState::kStable);
  auto changed = join(params(b, "range", {7}));
  EXPECT_FALSE(changed->has_value());
  EXPECT_EQ(state(), GroupState::kPreparingRebalance);
}

TEST_F(GroupCoordinatorTest, StaticMemberRejoinReplacesIdWithoutRebalance) {
  auto p = params("");
  p.instance_id = "instance-1";
  p.require_known_member_id = true;
  auto first = join(p);
  ASSERT_TRUE(first->has_value());  // static members skip MEMBER_ID_REQUIRED
  const std::string old_id = (*first)->member_id;
  sync(old_id, 1, {{old_id, {5}}});
  auto again = join(p);
  ASSERT_TRUE(again->has_value());
  const std::string new_id = (*again)->member_id;
  EXPECT_NE(new_id, old_id);
  EXPECT_EQ((*again)->generation, 1);
  EXPECT_EQ(state(), GroupState::kStable);
  EXPECT_EQ(coordinator->heartbeat("g", 1, old_id, "instance-1"), ErrorCode::kFencedInstanceId);
  EXPECT_EQ((*sync(new_id, 1))->assignment, (Bytes{5}));
}

TEST_F(GroupCoordinatorTest, LeaveGroupRemovesMembersInBatch) {
  const std::string a = join_alone();
  sync(a, 1, {{a, {1}}});
  auto result = coordinator->leave("g", {{a, std::nullopt}, {"ghost", std::nullopt}});
  ASSERT_EQ(result.members.size(), 2u);
  EXPECT_EQ(result.members[0], ErrorCode::kNone);
  EXPECT_EQ(result.members[1], ErrorCode::kUnknownMemberId);
  EXPECT_EQ(state(), GroupState::kEmpty);
}

TEST_F(GroupCoordinatorTest, OffsetCommitChecksMembershipAndPersists) {
  std::optional<ErrorCode> error;
  auto commit = [&](int32_t generation, const std::string& member, int64_t offset) {
    error.reset();
    coordinator->commit_offsets("g", generation, member, std::nullopt,
                                {{"t", 0, {offset, -1, "m", -1}}}, [&](ErrorCode e) { error = e; });
    return error.value_or(ErrorCode::kUnknownServerError);
  };
  EXPECT_EQ(commit(3, "x", 1), ErrorCode::kIllegalGeneration);  // unknown group, generation >= 0
  EXPECT_EQ(commit(-1, "", 5), ErrorCode::kNone);               // simple consumer
  const std::string a = join_alone();
  EXPECT_EQ(commit(1, a, 6), ErrorCode::kRebalanceInProgress);  // CompletingRebalance
  sync(a, 1, {{a, {1}}});
  EXPECT_EQ(commit(1, "nobody", 6), ErrorCode::kUnknownMemberId);
  EXPECT_EQ(commit(4, a, 6), ErrorCode::kIllegalGeneration);
  EXPECT_EQ(commit(-1, "", 6), ErrorCode::kUnknownMemberId);  // group in use
  EXPECT_EQ(commit(1, a, 7), ErrorCode::kNone);
  auto fetched = coordinator->fetch_offsets("g", std::vector<TopicPartition>{{"t", 0}, {"t", 1}});
  ASSERT_EQ(fetched.offsets.size(), 2u);
  EXPECT_EQ(fetched.offsets[0].value.offset, 7);
  EXPECT_EQ(fetched.offsets[0].value.metadata, "m");
  EXPECT_EQ(fetched.offsets[1].value.offset, -1);

  // A new coordinator over the same log finds the offsets again.
  GroupCoordinator reloaded(
      GroupConfig{}, log, [this] { return now; }, [this] { return wall; });
  ASSERT_EQ(reloaded.load(), ErrorCode::kNone);
  auto all = reloaded.fetch_offsets("g", std::nullopt).offsets;
  ASSERT_EQ(all.size(), 1u);
  EXPECT_EQ(all[0].value.offset, 7);
  EXPECT_EQ(reloaded.describe("g").state, GroupState::kStable);  // the member is restored
}

TEST_F(GroupCoordinatorTest, ReloadRestoresMembersWhoCarryOnWithoutRebalance) {
  const std::string a = join_alone();
  sync(a, 1, {{a, {7, 7}}});
  auto second = join(params(""));
  const std::string b = (*second)->member_id;
  auto b_joined = join(params(b));
  EXPECT_EQ(coordinator->heartbeat("g", 1, a, std::nullopt), ErrorCode::kRebalanceInProgress);
  join(params(a));
  ASSERT_TRUE(b_joined->has_value());
  sync(b, 2);
  sync(a, 2, {{a, {1}}, {b, {2}}});
  ASSERT_EQ(state(), GroupState::kStable);

  now += 60000;  // the restart took a while: sessions count from the load
  GroupCoordinator reloaded(
      GroupConfig{}, log, [this] { return now; }, [this] { return wall; });
  ASSERT_EQ(reloaded.load(), ErrorCode::kNone);
  const GroupDescription described = reloaded.describe("g");
  EXPECT_EQ(described.state, GroupState::kStable);
  EXPECT_EQ(described.protocol_name, "range");
  ASSERT_EQ(described.members.size(), 2u);
  for (const auto& member : described.members) {
    EXPECT_EQ(member.assignment, (member.member_id == a ? Bytes{1} : Bytes{2}));
    EXPECT_EQ(member.metadata, Bytes{1});
  }
  EXPECT_EQ(reloaded.heartbeat("g", 2, a, std::nullopt), ErrorCode::kNone);
  EXPECT_EQ(reloaded.heartbeat("g", 1, b, std::nullopt), ErrorCode::kIllegalGeneration);
  EXPECT_EQ(reloaded.heartbeat("g", 2, "gone", std::nullopt), ErrorCode::kUnknownMemberId);

  // b stays silent: its session expires and a is asked to rejoin.
  now += 10000 - 1;
  EXPECT_EQ(reloaded.heartbeat("g", 2, a, std::nullopt), ErrorCode::kNone);
  now += 2;
  reloaded.tick();
  EXPECT_EQ(reloaded.heartbeat("g", 2, a, std::nullopt), ErrorCode::kRebalanceInProgress);
}

TEST_F(GroupCoordinatorTest, CommitsApplyInReceiveOrderWhateverOrderTheyBecomeDurableIn) {
  log.hold = true;
  int answered = 0;
  for (int64_t offset = 1; offset <= 3; ++offset) {
    coordinator->commit_offsets("simple", -1, "", std::nullopt, {{"t", 0, {offset, -1, "", -1}}},
                                [&](ErrorCode e) { answered += e == ErrorCode::kNone; });
  }
  coordinator->commit_offsets("simple", -1, "", std::nullopt, {{"t", 1, {9, -1, "", -1}}},
                              [&](ErrorCode e) { answered += e == ErrorCode::kNone; });
  log.release(/*newest_first=*/true);
  log.hold = false;
  ASSERT_EQ(answered, 4);
  auto fetched =
      coordinator->fetch_offsets("simple", std::vector<TopicPartition>{{"t", 0}, {"t", 1}});
  EXPECT_EQ(fetched.offsets[0].value.offset, 3);
  EXPECT_EQ(fetched.offsets[1].value.offset, 9);
  // A later commit still replaces them, and the log agrees with memory.
  coordinator->commit_offsets("simple", -1, "", std::nullopt, {{"t", 0, {4, -1, "", -1}}},
                              [](ErrorCode) {});
  EXPECT_EQ(coordinator->fetch_offsets("simple", std::nullopt).offsets[0].value.offset, 4);
  GroupCoordinator reloaded(
      GroupConfig{}, log, [this] { return now; }, [this] { return wall; });
  ASSERT_EQ(reloaded.load(), ErrorCode::kNone);
  EXPECT_EQ(reloaded.fetch_offsets("simple", std::nullopt).offsets[0].value.offset, 4);
}

TEST_F(GroupCoordinatorTest, DeleteGroupWritesTombstonesAndRetentionExpiresOffsets) {
  bool done = false;
  coordinator->commit_offsets("simple", -1, "", std::nullopt, {{"t", 0, {3, -1, "", -1}}},
                              [&](ErrorCode) { done = true; });
  ASSERT_TRUE(done);
  const std::string a = join_alone();
  EXPECT_EQ(delete_group("g"), ErrorCode::kNonEmptyGroup);
  EXPECT_EQ(delete_group("nope"), ErrorCode::kGroupIdNotFound);
  coordinator->leave("g", {{a, std::nullopt}});
  log.hold = true;  // the answer waits for the tombstones to be durable
  std::optional<ErrorCode> deleted;
  coordinator->delete_group("g", [&deleted](ErrorCode e) { deleted = e; });
  EXPECT_FALSE(deleted.has_value());
  log.release();
  log.hold = false;
  EXPECT_EQ(deleted, ErrorCode::kNone);
  EXPECT_EQ(coordinator->describe("g").state, GroupState::kDead);

  wall += GroupConfig{}.offsets_retention_ms + 1;
  coordinator->tick();
  EXPECT_TRUE(coordinator->fetch_offsets("simple", std::nullopt).offsets.empty());
  GroupCoordinator reloaded(
      GroupConfig{}, log, [this] { return now; }, [this] { return wall; });
  ASSERT_EQ(reloaded.load(), ErrorCode::kNone);
  EXPECT_TRUE(reloaded.list_groups().groups.empty());
}

TEST_F(GroupCoordinatorTest, OffsetDeleteRefusesTopicsTheMembersSubscribeTo) {
  // ConsumerProtocolSubscription v0: version 0, topics ["t"], null user data.
  const Bytes subscription = {0, 0, 0, 0, 0, 1, 0, 1, 't', 0xff, 0xff, 0xff, 0xff};
  auto first = join(params("", "range", subscription));
  const std::string a = (*first)->member_id;
  join(params(a, "range", subscription));
  sync(a, 1, {{a, {}}});
  bool committed = false;
  coordinator->commit_offsets("g", 1, a, std::nullopt,
                              {{"t", 0, {1, -1, "", -1}}, {"u", 0, {2, -1, "", -1}}},
                              [&](ErrorCode e) { committed = e == ErrorCode::kNone; });
  ASSERT_TRUE(committed);
  std::vector<ErrorCode> errors;
  EXPECT_EQ(delete_offsets("g", {{"t", 0}, {"u", 0}}, errors), ErrorCode::kNone);
  EXPECT_EQ(errors, (std::vector<ErrorCode>{ErrorCode::kGroupSubscribedToTopic, ErrorCode::kNone}));
  EXPECT_EQ(coordinator->fetch_offsets("g", std::nullopt).offsets.size(), 1u);
  EXPECT_EQ(delete_offsets("nope", {{"t", 0}}, errors), ErrorCode::kGroupIdNotFound);
  EXPECT_FALSE(valid_group_id("", false));
  EXPECT_TRUE(valid_group_id("", true));
  EXPECT_FALSE(valid_group_id(std::string(kMaxGroupIdBytes + 1, 'x'), true));
}

}  // namespace
}  // namespace gregor::coordinator
