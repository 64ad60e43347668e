// Partition's part in replication, on a real log in a temporary directory: roles from the state
// znode, the high watermark as followers report, ISR expansion and shrinking, acks=all waiters.
#include "broker/partition.h"

#include <gtest/gtest.h>

#include "storage/testing_batches.h"

namespace gregor::broker {
namespace {

using storage::testing::make_batch;

constexpr int32_t kSelf = 1;

class PartitionTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto opened = storage::Log::open(dir_ / "t-0", storage::LogConfig{}, false, 0);
    ASSERT_EQ(opened.error, ErrorCode::kNone);
    partition_ = std::make_shared<Partition>("t", 0, opened.log, kSelf);
  }

  PartitionState state(int32_t leader, std::vector<int32_t> isr, int32_t epoch = 0,
                       int32_t version = 0) {
    return {{.leader = leader, .leader_epoch = epoch, .isr = std::move(isr)}, version, {1, 2, 3}};
  }

  ProduceResult produce(int32_t records) {
    auto batch = make_batch(records, 1000);
    return partition_->append(batch, 2000);
  }

  TempDir dir_{"partition-test"};
  std::shared_ptr<Partition> partition_;
};

TEST_F(PartitionTest, TakesItsRoleFromTheState) {
  EXPECT_EQ(partition_->role(), Role::kNone);
  EXPECT_EQ(produce(1).error, ErrorCode::kNotLeaderOrFollower);
  partition_->apply_state(state(2, {2, 1, 3}), 0);
  EXPECT_EQ(partition_->role(), Role::kFollower);
  EXPECT_EQ(produce(1).error, ErrorCode::kNotLeaderOrFollower);
  partition_->apply_state(state(kSelf, {1, 2, 3}, 1, 1), 0);
  EXPECT_EQ(partition_->role(), Role::kLeader);
  EXPECT_EQ(partition_->leader_epoch(), 1);
  EXPECT_EQ(produce(2).error, ErrorCode::kNone);
  // An older read of the znode changes nothing.
  partition_->apply_state(state(2, {2}, 0, 0), 0);
  EXPECT_EQ(partition_->role(), Role::kLeader);
  EXPECT_EQ(partition_->check_leader_epoch(0), ErrorCode::kFencedLeaderEpoch);
  EXPECT_EQ(partition_->check_leader_epoch(2), ErrorCode::kUnknownLeaderEpoch);
  EXPECT_EQ(partition_->check_leader_epoch(-1), ErrorCode::kNone);
}

TEST_F(PartitionTest, ThrottlesOnlyListedReplicasOutOfTheIsr) {
  partition_->apply_state(state(kSelf, {kSelf, 2}), 0);
  EXPECT_FALSE(partition_->leader_throttled_for(3));  // not listed
  storage::LogConfig config;
  config.leader_throttled_replicas = "0:1,1:2";  // partition 0 led by broker 1: this one
  partition_->apply_config(config);
  EXPECT_TRUE(partition_->leader_throttled_for(3));
  EXPECT_FALSE(partition_->leader_throttled_for(2));  // in the ISR
  config.leader_throttled_replicas = "1:1";           // another partition
  partition_->apply_config(config);
  EXPECT_FALSE(partition_->leader_throttled_for(3));

  config.follower_throttled_replicas = "*";
  partition_->apply_config(config);
  partition_->apply_state(state(2, {2, 3}, 1, 1), 0);
  EXPECT_TRUE(partition_->follower_throttled());
  partition_->apply_state(state(2, {2, 3, kSelf}, 1, 2), 0);
  EXPECT_FALSE(partition_->follower_throttled());  // caught up: never throttled
}

TEST_F(PartitionTest, AloneInTheIsrEverythingAppendedIsCommitted) {
  partition_->apply_state(state(kSelf, {kSelf}), 0);
  ASSERT_EQ(produce(5).error, ErrorCode::kNone);
  EXPECT_EQ(partition_->high_watermark(), 5);
}

TEST_F(PartitionTest, HighWatermarkIsTheSlowestInSyncReplica) {
  partition_->apply_state(state(kSelf, {1, 2, 3}), 0);
  ASSERT_EQ(produce(10).error, ErrorCode::kNone);
  EXPECT_EQ(partition_->high_watermark(), 0);
  bool acked = false;
  partition_->await_high_watermark(10, [&](ErrorCode e) { acked = e == ErrorCode::kNone; });
  partition_->record_follower_fetch(2, 10, 100);
  EXPECT_EQ(partition_->high_watermark(), 0);  // 3 has nothing yet
  partition_->record_follower_fetch(3, 4, 100);
  EXPECT_EQ(partition_->high_watermark(), 4);
  EXPECT_FALSE(acked);
  partition_->record_follower_fetch(3, 10, 100);
  EXPECT_EQ(partition_->high_watermark(), 10);
  EXPECT_TRUE(acked);
}

TEST_F(PartitionTest, LaggingFollowerLeavesTheIsrAndComesBackWhenCaughtUp) {
  partition_->apply_state(state(kSelf, {1, 2, 3}), /*now_ms=*/1000);
  ASSERT_EQ(produce(10).error, ErrorCode::kNone);
  partition_->record_follower_fetch(2, 10, 1500);
  EXPECT_FALSE(partition_->shrink_lagging(/*now_ms=*/1500, /*max_lag_ms=*/1000));
  auto shrink = partition_->shrink_lagging(/*now_ms=*/2500, /*max_lag_ms=*/1000);
  ASSERT_TRUE(shrink);
  EXPECT_EQ(shrink->next.isr, (std::vector<int32_t>{1, 2}));
  EXPECT_EQ(shrink->expected_version, 0);
  partition_->isr_written(shrink->next, 1);
  EXPECT_EQ(partition_->isr_size(), 2);
  EXPECT_EQ(partition_->high_watermark(), 10);  // 3 no longer holds it back

  EXPECT_FALSE(partition_->record_follower_fetch(3, 5, 2600));  // not caught up
  auto expand = partition_->record_follower_fetch(3, 10, 2700);
  ASSERT_TRUE(expand);
  EXPECT_EQ(expand->next.isr, (std::vector<int32_t>{1, 2, 3}));
  EXPECT_EQ(expand->expected_version, 1);
}

TEST_F(PartitionTest, LosingLeadershipFailsTheWaiters) {
  partition_->apply_state(state(kSelf, {1, 2}), 0);
  ASSERT_EQ(produce(3).error, ErrorCode::kNone);
  ErrorCode result = ErrorCode::kNone;
  partition_->await_high_watermark(3, [&](ErrorCode e) { result = e; });
  partition_->apply_state(state(2, {2}, 1, 1), 0);
  EXPECT_EQ(result, ErrorCode::kNotLeaderOrFollower);
}

TEST_F(PartitionTest, FollowerTakesTheLeadersRecordsAndHighWatermark) {
  partition_->apply_state(state(2, {2, 1}), 0);
  auto batch = make_batch(4, 1000);
  protocol::BatchHeader header = *protocol::parse_batch_header(batch);
  header.partition_leader_epoch = 0;
  protocol::write_batch_header(header, batch);  // epoch is outside the CRC
  ASSERT_EQ(partition_->append_as_follower(batch).error, ErrorCode::kNone);
  EXPECT_EQ(partition_->log().log_end_offset(), 4);
  partition_->follower_high_watermark(100);  // capped at what this replica has
  EXPECT_EQ(partition_->high_watermark(), 4);
  EXPECT_EQ(partition_->truncate_to(2), ErrorCode::kNone);
  EXPECT_LE(partition_->high_watermark(), partition_->log().log_end_offset());
}

// compression.type and the timestamp bounds, on a partition led by this broker alone.
class PartitionProduceChecksTest : public PartitionTest {
 protected:
  void SetUp() override {
    PartitionTest::SetUp();
    partition_->apply_state(state(kSelf, {kSelf}), 0);
  }
  std::vector<protocol::BatchHeader> stored() {
    auto read = partition_->shared_log()->read(0, 1 << 20, true, INT64_MAX);
    if (!read.slice) return {};
    return storage::testing::parse_all(storage::testing::read_slice(*read.slice));
  }
};

TEST_F(PartitionProduceChecksTest, ATopicCodecRecompressesOtherBatches) {
  storage::LogConfig config;
  config.compression = protocol::Compression::kGzip;
  partition_->apply_config(config);
  ASSERT_EQ(produce(5).error, ErrorCode::kNone);
  ASSERT_EQ(produce(3).error, ErrorCode::kNone);
  auto headers = stored();
  ASSERT_EQ(headers.size(), 2u);
  EXPECT_EQ(headers[0].compression(), protocol::Compression::kGzip);
  EXPECT_EQ(headers[0].record_count, 5);
  EXPECT_EQ(headers[1].base_offset, 5);
  EXPECT_EQ(partition_->shared_log()->log_end_offset(), 8);
}

TEST_F(PartitionProduceChecksTest, ProducerKeepsTheBatchAsItCame) {
  ASSERT_EQ(produce(5).error, ErrorCode::kNone);
  auto headers = stored();
  ASSERT_EQ(headers.size(), 1u);
  EXPECT_EQ(headers[0].compression(), protocol::Compression::kNone);
}

TEST_F(PartitionProduceChecksTest, TimestampsFarFromTheClockAreRefused) {
  storage::LogConfig config;
  config.message_timestamp_difference_max_ms = 500;
  partition_->apply_config(config);
  // produce() stamps records 1000, 1001, ... and appends at time 2000.
  auto refused = produce(3);
  EXPECT_EQ(refused.error, ErrorCode::kInvalidTimestamp);
  EXPECT_EQ(refused.invalid_records, (std::vector<int32_t>{0, 1, 2}));
  EXPECT_NE(refused.error_message.find("1000"), std::string::npos) << refused.error_message;
  config.message_timestamp_difference_max_ms = 1000;
  partition_->apply_config(config);
  EXPECT_EQ(produce(3).error, ErrorCode::kNone);
  config.message_timestamp_difference_max_ms = 999;  // record 0 is now 1000 ms old
  partition_->apply_config(config);
  EXPECT_EQ(produce(3).invalid_records, (std::vector<int32_t>{0}));
  config.timestamp_type = protocol::TimestampType::kLogAppendTime;  // the broker's clock wins
  partition_->apply_config(config);
  EXPECT_EQ(produce(3).error, ErrorCode::kNone);
}

}  // namespace
}  // namespace gregor::broker
