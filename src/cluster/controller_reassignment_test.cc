// Partition reassignment by the controller, on the in-memory multi-session cluster: the three
// states of a move, completion once the target is in sync, cancelling, the request errors.
#include <gtest/gtest.h>

#include <future>

#include "cluster/controller.h"
#include "cluster/testing_controllers.h"

namespace gregor::cluster {
namespace {

class ControllerReassignmentTest : public testing::ControllerFixture {
 protected:
  ReassignmentResult alter(std::vector<ReassignmentRequest> requests) {
    std::promise<ReassignmentResult> done;
    active().alter_reassignments(std::move(requests),
                                 [&](ReassignmentResult r) { done.set_value(std::move(r)); });
    auto result = done.get_future().get();
    settle();
    return result;
  }
  ReassignmentList list() {
    std::promise<ReassignmentList> done;
    active().list_reassignments(std::nullopt,
                                [&](ReassignmentList l) { done.set_value(std::move(l)); });
    return done.get_future().get();
  }
  std::vector<int32_t> replicas(const std::string& topic, int32_t partition) {
    std::string data;
    EXPECT_EQ(admin_->get(topic_path(topic), data), StoreError::kOk);
    return parse_topic_assignment(data).value()[partition];
  }
  // As the leader would once the new replicas caught up.
  void isr_becomes(std::vector<int32_t> isr) {
    LeaderAndIsr s = state("t", 0);
    s.isr = std::move(isr);
    write_state("t", 0, s);
    settle();
  }
};

TEST_F(ControllerReassignmentTest, MoveCompletesOnceTheTargetIsInSync) {
  start_brokers({1, 2, 3});
  create_topic("t", {{1}});
  auto result = alter({{{"t", 0}, std::vector<int32_t>{2, 3}}});
  ASSERT_EQ(result.error, ErrorCode::kNone);
  EXPECT_EQ(result.partitions[0].error, ErrorCode::kNone);
  // Moving: old and target replicas together, the leader unchanged.
  EXPECT_EQ(replicas("t", 0), (std::vector<int32_t>{2, 3, 1}));
  auto moving = list();
  ASSERT_EQ(moving.partitions.size(), 1u);
  EXPECT_EQ(moving.partitions[0].reassignment, (PartitionReassignment{{2, 3}, {1}}));
  EXPECT_EQ(state("t", 0).leader, 1);

  isr_becomes({1, 2});  // not yet: 3 is missing
  EXPECT_EQ(replicas("t", 0).size(), 3u);
  const int32_t epoch = state("t", 0).leader_epoch;
  isr_becomes({1, 2, 3});
  EXPECT_EQ(replicas("t", 0), (std::vector<int32_t>{2, 3}));
  EXPECT_EQ(state("t", 0).leader, 2);
  EXPECT_EQ(state("t", 0).isr, (std::vector<int32_t>{2, 3}));
  EXPECT_EQ(state("t", 0).leader_epoch, epoch + 1);
  EXPECT_TRUE(list().partitions.empty());
}

TEST_F(ControllerReassignmentTest, CancelGoesBackToTheOldReplicas) {
  start_brokers({1, 2, 3});
  create_topic("t", {{1, 2}});
  alter({{{"t", 0}, std::vector<int32_t>{3, 2}}});
  EXPECT_EQ(replicas("t", 0), (std::vector<int32_t>{3, 2, 1}));
  auto result = alter({{{"t", 0}, std::nullopt}});
  EXPECT_EQ(result.partitions[0].error, ErrorCode::kNone);
  // The old replicas, in the order they had during the move (as Kafka reverts: replicas minus
  // adding), and the leader that never changed.
  EXPECT_EQ(replicas("t", 0), (std::vector<int32_t>{2, 1}));
  EXPECT_EQ(state("t", 0).leader, 1);
  EXPECT_TRUE(list().partitions.empty());
}

TEST_F(ControllerReassignmentTest, RequestErrors) {
  start_brokers({1, 2, 3});
  create_topic("t", {{1}});
  auto result = alter({{{"t", 0}, std::vector<int32_t>{}},
                       {{"t", 0}, std::vector<int32_t>{2, 2}},
                       {{"t", 0}, std::vector<int32_t>{9}},
                       {{"t", 5}, std::vector<int32_t>{2}},
                       {{"nope", 0}, std::vector<int32_t>{2}},
                       {{"t", 0}, std::nullopt}});
  std::vector<ErrorCode> errors;
  for (const auto& outcome : result.partitions)
    errors.push_back(outcome.error);
  EXPECT_EQ(errors,
            (std::vector<ErrorCode>{
                ErrorCode::kInvalidReplicaAssignment, ErrorCode::kInvalidReplicaAssignment,
                ErrorCode::kInvalidReplicaAssignment, ErrorCode::kUnknownTopicOrPartition,
                ErrorCode::kUnknownTopicOrPartition, ErrorCode::kNoReassignmentInProgress}));
  EXPECT_EQ(replicas("t", 0), (std::vector<int32_t>{1}));

  std::promise<ReassignmentResult> refused;
  const int32_t other = controller_id() == 1 ? 2 : 1;
  controller(other).alter_reassignments({{{"t", 0}, std::vector<int32_t>{2}}},
                                        [&](ReassignmentResult r) { refused.set_value(r); });
  EXPECT_EQ(refused.get_future().get().error, ErrorCode::kNotController);
}

TEST_F(ControllerReassignmentTest, NewControllerCarriesTheMoveOn) {
  start_brokers({1, 2, 3});
  ASSERT_EQ(controller_id(), 1);  // the first broker started
  create_topic("t", {{3}});
  alter({{{"t", 0}, std::vector<int32_t>{2}}});
  kill_broker(1);
  ASSERT_NE(controller_id(), 1);
  isr_becomes({3, 2});
  EXPECT_EQ(replicas("t", 0), (std::vector<int32_t>{2}));
  EXPECT_EQ(state("t", 0).leader, 2);
}

}  // namespace
}  // namespace gregor::cluster
