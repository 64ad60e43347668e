#include "cli/offset_reset.h"

#include <gtest/gtest.h>

#include "cli/cli_error.h"

namespace gregor::cli {
namespace {

using Kind = ResetTarget::Kind;

TEST(TopicSpec, TopicAloneMeansEveryPartition) {
  const auto spec = parse_topic_spec("orders");
  EXPECT_EQ(spec.topic, "orders");
  EXPECT_TRUE(spec.partitions.empty());
}

TEST(TopicSpec, PartitionList) {
  EXPECT_EQ(parse_topic_spec("orders:0,2").partitions, (std::vector<int32_t>{0, 2}));
  EXPECT_EQ(parse_topic_spec("orders:7").partitions, (std::vector<int32_t>{7}));
}

TEST(TopicSpec, MalformedIsACliError) {
  for (const char* text : {"", ":0", "orders:", "orders:a", "orders:0,", "orders:-1", "orders:1,,2",
                           "orders:99999999999"}) {
    EXPECT_THROW(parse_topic_spec(text), CliError) << text;
  }
}

TEST(Datetime, UtcAndZones) {
  EXPECT_EQ(parse_datetime_ms("1970-01-01T00:00:01Z"), 1000);
  EXPECT_EQ(parse_datetime_ms("1970-01-01T00:00:01.5Z"), 1500);
  EXPECT_EQ(parse_datetime_ms("1970-01-01T01:00:00.250+01:00"), 250);
  EXPECT_EQ(parse_datetime_ms("1969-12-31T23:00:00-01:00"), 0);
  EXPECT_EQ(parse_datetime_ms("2026-11-29T10:00:00Z"), 1795946400000);
}

TEST(Datetime, MillisecondsAsIs) {
  EXPECT_EQ(parse_datetime_ms("1700000000000"), 1700000000000);
}

TEST(Datetime, MalformedIsACliError) {
  for (const char* text :
       {"", "yesterday", "2026-11-29", "2026-11-29 10:00:00", "-5", "2026-11-29T10:00:00+0100"}) {
    EXPECT_THROW(parse_datetime_ms(text), CliError) << text;
  }
}

TEST(ResetOffset, EachTargetKind) {
  const PartitionOffsets p{.committed = 12, .earliest = 3, .latest = 20, .at_time = 9};
  EXPECT_EQ(reset_offset({Kind::kEarliest, 0}, p, "t-0"), 3);
  EXPECT_EQ(reset_offset({Kind::kLatest, 0}, p, "t-0"), 20);
  EXPECT_EQ(reset_offset({Kind::kOffset, 15}, p, "t-0"), 15);
  EXPECT_EQ(reset_offset({Kind::kDatetime, 0}, p, "t-0"), 9);
  EXPECT_EQ(reset_offset({Kind::kShiftBy, -5}, p, "t-0"), 7);
  EXPECT_EQ(reset_offset({Kind::kShiftBy, 5}, p, "t-0"), 17);
}

TEST(ResetOffset, ClampedToTheLogRange) {
  const PartitionOffsets p{.committed = 12, .earliest = 3, .latest = 20, .at_time = {}};
  EXPECT_EQ(reset_offset({Kind::kOffset, 1}, p, "t-0"), 3);
  EXPECT_EQ(reset_offset({Kind::kOffset, 99}, p, "t-0"), 20);
  EXPECT_EQ(reset_offset({Kind::kShiftBy, -100}, p, "t-0"), 3);
  EXPECT_EQ(reset_offset({Kind::kShiftBy, 100}, p, "t-0"), 20);
  EXPECT_EQ(reset_offset({Kind::kDatetime, 0}, p, "t-0"), 20);  // nothing that late: the end
}

TEST(ResetOffset, ShiftWithoutCommitIsACliError) {
  const PartitionOffsets p{.committed = {}, .earliest = 0, .latest = 5, .at_time = {}};
  try {
    reset_offset({Kind::kShiftBy, 1}, p, "orders-1");
    FAIL();
  } catch (const CliError& e) {
    EXPECT_NE(std::string(e.what()).find("orders-1"), std::string::npos);
  }
}

}  // namespace
}  // namespace gregor::cli
