// The coordinator serves only the groups of the offsets partitions its broker leads: loading on
// the loader thread when leadership begins, NOT_COORDINATOR before and after.
#include <gtest/gtest.h>

#include <future>

#include "coordinator/group_coordinator.h"
#include "coordinator/testing_offsets_log.h"

namespace gregor::coordinator {
namespace {

class GroupOwnershipTest : public ::testing::Test {
 protected:
  GroupOwnershipTest() {
    config.initial_rebalance_delay_ms = 0;
    coordinator = std::make_unique<GroupCoordinator>(config, log);
  }

  // A simple consumer's commit of t-0 at `offset` (no membership), answered synchronously.
  ErrorCode commit(const std::string& group, int64_t offset) {
    std::optional<ErrorCode> result;
    coordinator->commit_offsets(group, -1, "", std::nullopt, {{"t", 0, {offset, -1, "", -1}}},
                                [&result](ErrorCode e) { result = e; });
    return result.value_or(ErrorCode::kUnknownServerError);
  }

  int32_t partition(const std::string& group) {
    return offsets_partition_for(group, log.partition_count());
  }

  GroupConfig config;
  FakeOffsetsLog log{4};
  std::unique_ptr<GroupCoordinator> coordinator;
};

TEST_F(GroupOwnershipTest, GroupsOfPartitionsNotLedAreNotCoordinator) {
  EXPECT_EQ(coordinator->heartbeat("g", 1, "m", std::nullopt), ErrorCode::kNotCoordinator);
  EXPECT_EQ(commit("g", 5), ErrorCode::kNotCoordinator);
  EXPECT_EQ(coordinator->fetch_offsets("g", std::nullopt).error, ErrorCode::kNotCoordinator);
  EXPECT_EQ(coordinator->describe("g").error, ErrorCode::kNotCoordinator);
  EXPECT_EQ(coordinator->leave("g", {{"m", std::nullopt}}).error, ErrorCode::kNotCoordinator);
  std::optional<ErrorCode> deleted;
  coordinator->delete_group("g", [&deleted](ErrorCode e) { deleted = e; });
  EXPECT_EQ(deleted, ErrorCode::kNotCoordinator);
  EXPECT_TRUE(log.batches.empty());  // nothing was written

  coordinator->begin_leading(partition("g"), false);  // an empty partition: served at once
  EXPECT_EQ(commit("g", 5), ErrorCode::kNone);
  EXPECT_EQ(coordinator->fetch_offsets("g", std::nullopt).offsets.size(), 1u);
  // Another group, in a partition this broker does not lead.
  std::string other = "other";
  for (int i = 0; partition(other) == partition("g") && i < 100; ++i)
    other += "x";
  ASSERT_NE(partition(other), partition("g"));
  EXPECT_EQ(commit(other, 1), ErrorCode::kNotCoordinator);
}

TEST_F(GroupOwnershipTest, LeadershipLoadsOnTheLoaderThreadAndUnloads) {
  coordinator->begin_leading(partition("g"), false);
  ASSERT_EQ(commit("g", 42), ErrorCode::kNone);
  coordinator->stop_leading(partition("g"));
  EXPECT_EQ(coordinator->fetch_offsets("g", std::nullopt).error, ErrorCode::kNotCoordinator);
  EXPECT_TRUE(coordinator->list_groups().groups.empty());

  // Leading again: the partition is read back, on the loader thread, held here until released.
  std::promise<void> release;
  std::shared_future<void> released = release.get_future().share();
  log.before_read = [released](int32_t) { released.wait(); };
  coordinator->start();
  coordinator->begin_leading(partition("g"), true);
  EXPECT_EQ(coordinator->heartbeat("g", 1, "m", std::nullopt),
            ErrorCode::kCoordinatorLoadInProgress);
  EXPECT_EQ(coordinator->fetch_offsets("g", std::nullopt).error,
            ErrorCode::kCoordinatorLoadInProgress);
  EXPECT_EQ(coordinator->list_groups().error, ErrorCode::kCoordinatorLoadInProgress);
  release.set_value();
  coordinator->wait_for_loads();
  auto fetched = coordinator->fetch_offsets("g", std::nullopt);
  ASSERT_EQ(fetched.error, ErrorCode::kNone);
  ASSERT_EQ(fetched.offsets.size(), 1u);
  EXPECT_EQ(fetched.offsets[0].value.offset, 42);
  EXPECT_EQ(coordinator->list_groups().error, ErrorCode::kNone);
  coordinator->stop();
}

TEST_F(GroupOwnershipTest, ALoadOvertakenByLosingLeadershipIsDiscarded) {
  coordinator->begin_leading(partition("g"), false);
  ASSERT_EQ(commit("g", 7), ErrorCode::kNone);
  coordinator->stop_leading(partition("g"));

  std::promise<void> release;
  std::shared_future<void> released = release.get_future().share();
  log.before_read = [released](int32_t) { released.wait(); };
  coordinator->start();
  coordinator->begin_leading(partition("g"), true);
  coordinator->stop_leading(partition("g"));  // while the loader reads
  release.set_value();
  coordinator->wait_for_loads();
  EXPECT_EQ(coordinator->fetch_offsets("g", std::nullopt).error, ErrorCode::kNotCoordinator);
  EXPECT_TRUE(coordinator->list_groups().groups.empty());
  coordinator->stop();
}

TEST_F(GroupOwnershipTest, LosingLeadershipAnswersWaitingMembersNotCoordinator) {
  coordinator->begin_leading(partition("g"), false);
  JoinParams params;
  params.group_id = "g";
  params.protocol_type = "consumer";
  params.protocols = {{"range", {1}}};
  params.session_timeout_ms = 10000;
  params.rebalance_timeout_ms = 30000;
  params.client_id = "c";
  std::optional<JoinResult> first;
  coordinator->join(params, [&first](JoinResult r) { first = std::move(r); });
  ASSERT_TRUE(first.has_value());
  ASSERT_EQ(first->error, ErrorCode::kNone);  // alone: generation 1 at once
  log.hold = true;  // the leader's assignment is not stored yet: its SyncGroup waits
  std::optional<SyncResult> synced;
  coordinator->sync({"g",
                     1,
                     first->member_id,
                     std::nullopt,
                     std::nullopt,
                     std::nullopt,
                     {{first->member_id, {}}}},
                    [&synced](SyncResult r) { synced = std::move(r); });
  EXPECT_FALSE(synced.has_value());
  coordinator->stop_leading(partition("g"));
  ASSERT_TRUE(synced.has_value());
  EXPECT_EQ(synced->error, ErrorCode::kNotCoordinator);
  // The append completing afterwards changes nothing here.
  log.release();
  EXPECT_EQ(coordinator->describe("g").error, ErrorCode::kNotCoordinator);
}

}  // namespace
}  // namespace gregor::coordinator
