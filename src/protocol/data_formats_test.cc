// The generated data formats against byte layouts written out by hand from Kafka's definitions.
#include <gtest/gtest.h>

#include "protocol/data/consumer_offsets.h"
#include "protocol/data/consumer_protocol.h"
#include "protocol/data/producer_snapshot.h"
#include "protocol/data/transaction_state.h"
#include "protocol/versioned_data.h"

namespace gregor::protocol {
namespace {

TEST(DataFormatsTest, OffsetCommitValueV3IsKafkasLayout) {
  Writer expected;
  expected.i16(3);
  expected.i64(42);             // offset
  expected.i32(7);              // leader epoch, v3+
  expected.string("m", false);  // metadata
  expected.i64(1000);           // commit timestamp
  OffsetCommitValue value;
  value.offset = 42;
  value.leader_epoch = 7;
  value.metadata = "m";
  value.commit_timestamp = 1000;
  EXPECT_EQ(encode_versioned(value, 3), expected.bytes());
}

TEST(DataFormatsTest, OffsetCommitValueV1CarriesTheExpireTimestampAndNoLeaderEpoch) {
  Writer v1;
  v1.i16(1);
  v1.i64(5);
  v1.string("", false);
  v1.i64(1000);
  v1.i64(2000);  // expire timestamp, v1 only
  const auto decoded = decode_versioned<OffsetCommitValue>(v1.bytes());
  ASSERT_TRUE(decoded);
  EXPECT_EQ(decoded->version, 1);
  EXPECT_EQ(decoded->body.offset, 5);
  EXPECT_EQ(decoded->body.leader_epoch, -1);
  EXPECT_EQ(decoded->body.expire_timestamp, 2000);
}

TEST(DataFormatsTest, UnknownOrTruncatedInternalRecordsAreRefused) {
  Writer v4;
  v4.i16(4);
  v4.i64(5);
  EXPECT_FALSE(decode_versioned<OffsetCommitValue>(v4.bytes()));
  Writer truncated;
  truncated.i16(3);
  truncated.i64(5);
  EXPECT_FALSE(decode_versioned<OffsetCommitValue>(truncated.bytes()));
}

TEST(DataFormatsTest, GroupMetadataValueV0GivesMembersNoInstanceId) {
  Writer v0;
  v0.i16(0);
  v0.string("consumer", false);
  v0.i32(3);                                // generation
  v0.nullable_string("range", false);       // protocol
  v0.nullable_string(std::nullopt, false);  // leader
  v0.array_length(1, false);
  v0.string("member-1", false);
  v0.string("client", false);
  v0.string("/127.0.0.1", false);
  v0.i32(10000);  // session timeout (no rebalance timeout before v1)
  v0.bytes(ByteView{}, false);
  v0.bytes(ByteView{}, false);
  const auto decoded = decode_versioned<GroupMetadataValue>(v0.bytes());
  ASSERT_TRUE(decoded);
  EXPECT_EQ(decoded->body.protocol, "range");
  EXPECT_FALSE(decoded->body.leader);
  EXPECT_EQ(decoded->body.current_state_timestamp, -1);
  ASSERT_EQ(decoded->body.members.size(), 1u);
  EXPECT_EQ(decoded->body.members[0].session_timeout, 10000);
  EXPECT_FALSE(decoded->body.members[0].group_instance_id);
}

TEST(DataFormatsTest, ASubscriptionOfANewerVersionIsReadAsTheNewestKnown) {
  Writer v9;
  v9.i16(9);
  v9.array_length(2, false);
  v9.string("a", false);
  v9.string("b", false);
  v9.nullable_bytes(std::nullopt, false);  // user data
  v9.array_length(0, false);               // owned partitions, v1+
  v9.i32(4);                               // generation id, v2+
  v9.i64(99);                              // a field of version 9, ignored
  const auto decoded =
      decode_versioned<ConsumerProtocolSubscription>(v9.bytes(), NewerVersions::kReadAsNewest);
  ASSERT_TRUE(decoded);
  EXPECT_EQ(decoded->version, 9);
  EXPECT_EQ(decoded->body.topics, (std::vector<std::string>{"a", "b"}));
  EXPECT_EQ(decoded->body.generation_id, 4);
  EXPECT_FALSE(decode_versioned<ConsumerProtocolSubscription>(v9.bytes()));
}

TEST(DataFormatsTest, AssignmentsRoundTrip) {
  ConsumerProtocolAssignment assignment;
  assignment.assigned_partitions.push_back({"orders", {0, 2}});
  Writer expected;
  expected.i16(0);
  expected.array_length(1, false);
  expected.string("orders", false);
  expected.array_length(2, false);
  expected.i32(0);
  expected.i32(2);
  expected.nullable_bytes(std::nullopt, false);
  EXPECT_EQ(encode_versioned(assignment, 0), expected.bytes());
  const auto decoded = decode_versioned<ConsumerProtocolAssignment>(expected.bytes());
  ASSERT_TRUE(decoded);
  EXPECT_EQ(decoded->body, assignment);
}

TEST(DataFormatsTest, TransactionLogValueV1IsFlexible) {
  TransactionLogValue value;
  value.producer_id = 1000;
  value.producer_epoch = 2;
  value.transaction_timeout_ms = 60000;
  value.transaction_status = 1;  // Ongoing
  value.transaction_partitions = {{{"t", {0}}}};
  value.transaction_last_update_timestamp_ms = 5;
  value.transaction_start_timestamp_ms = 4;
  Writer expected;
  expected.i16(1);
  expected.i64(1000);
  expected.i16(2);
  expected.i32(60000);
  expected.i8(1);
  expected.uvarint(2);  // compact array of one
  expected.uvarint(2);  // compact string "t"
  expected.raw("t", 1);
  expected.uvarint(2);  // compact array of one partition
  expected.i32(0);
  expected.uvarint(0);  // the partition struct's tagged fields
  expected.i64(5);
  expected.i64(4);
  expected.uvarint(0);  // tagged fields
  EXPECT_EQ(encode_versioned(value, 1), expected.bytes());
  const auto decoded = decode_versioned<TransactionLogValue>(expected.bytes());
  ASSERT_TRUE(decoded);
  EXPECT_EQ(decoded->body, value);
}

TEST(DataFormatsTest, ProducerSnapshotEntriesAreFixedWidth) {
  ProducerSnapshot snapshot;
  snapshot.producer_entries.push_back({1, 0, 4, 100, 4, 1700000000000, -1, -1});
  Writer out;
  snapshot.encode(out, 1);
  EXPECT_EQ(out.bytes().size(), 4u + 8 + 2 + 4 + 8 + 4 + 8 + 4 + 8);
  Reader in(out.bytes());
  ProducerSnapshot decoded;
  decoded.decode(in, 1);
  ASSERT_TRUE(in.ok());
  EXPECT_EQ(decoded, snapshot);
}

}  // namespace
}  // namespace gregor::protocol
