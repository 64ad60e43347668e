#include "coordinator/offsets_records.h"

#include <gtest/gtest.h>

namespace gregor::coordinator {
namespace {

TEST(OffsetsRecords, OffsetKeyIsKafkasVersion1Layout) {
  const Bytes key = encode_key(OffsetKey{"g", "t", 7});
  const Bytes expected = {0, 1, 0, 1, 'g', 0, 1, 't', 0, 0, 0, 7};
  EXPECT_EQ(key, expected);
  auto decoded = decode_key(key);
  ASSERT_TRUE(decoded);
  const auto& k = std::get<OffsetKey>(*decoded);
  EXPECT_EQ(k.group, "g");
  EXPECT_EQ(k.topic, "t");
  EXPECT_EQ(k.partition, 7);
}

TEST(OffsetsRecords, OffsetValueRoundTripsAsVersion3) {
  const Bytes bytes = encode_value(OffsetValue{42, 3, "meta", 1700000000000});
  ASSERT_EQ(bytes[1], 3);  // version
  ASSERT_EQ(bytes.size(), 2u + 8 + 4 + 2 + 4 + 8);
  auto value = decode_offset_value(bytes);
  ASSERT_TRUE(value);
  EXPECT_EQ(value->offset, 42);
  EXPECT_EQ(value->leader_epoch, 3);
  EXPECT_EQ(value->metadata, "meta");
  EXPECT_EQ(value->commit_timestamp, 1700000000000);
}

TEST(OffsetsRecords, GroupRecordsRoundTrip) {
  const Bytes key = encode_key(GroupKey{"grp"});
  auto decoded = decode_key(key);
  ASSERT_TRUE(decoded);
  EXPECT_EQ(std::get<GroupKey>(*decoded).group, "grp");
  GroupValue value;
  value.protocol_type = "consumer";
  value.generation = 5;
  value.protocol = "range";
  value.leader = "m1";
  value.state_timestamp = 99;
  value.members.push_back({"m1", "i1", "client", "/127.0.0.1", 300000, 10000, {1, 2}, {3}});
  auto back = decode_group_value(encode_value(value));
  ASSERT_TRUE(back);
  EXPECT_EQ(back->generation, 5);
  EXPECT_EQ(back->protocol, "range");
  ASSERT_EQ(back->members.size(), 1u);
  EXPECT_EQ(back->members[0].instance_id, "i1");
  EXPECT_EQ(back->members[0].subscription, (Bytes{1, 2}));
  EXPECT_EQ(back->members[0].assignment, (Bytes{3}));
}

TEST(OffsetsRecords, TruncatedInputIsRejected) {
  Bytes value = encode_value(OffsetValue{1, 0, "", 0});
  value.pop_back();
  EXPECT_FALSE(decode_offset_value(value));
  EXPECT_FALSE(decode_key(Bytes{0, 9, 0, 1, 'g'}));
}

// Expected values from Java's String.hashCode (computed independently).
TEST(OffsetsRecords, PartitionForMatchesKafka) {
  EXPECT_EQ(offsets_partition_for("group", 50), 47);
  EXPECT_EQ(offsets_partition_for("my-group", 50), 12);
  EXPECT_EQ(offsets_partition_for("test-group-1", 50), 36);
  EXPECT_EQ(offsets_partition_for("consumer-\xc3\xa9", 50), 22);
  EXPECT_EQ(offsets_partition_for("\xf0\x9f\x99\x82x", 50), 35);
  EXPECT_EQ(offsets_partition_for("anything", 1), 0);
}

}  // namespace
}  // namespace gregor::coordinator
