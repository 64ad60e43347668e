#include "broker/throttled_replicas.h"

#include <gtest/gtest.h>

namespace gregor::broker {
namespace {

ThrottledReplicas parse_ok(std::string_view text) {
  std::string error;
  auto parsed = parse_throttled_replicas(text, error);
  EXPECT_TRUE(parsed.has_value()) << text << ": " << error;
  return parsed.value_or(ThrottledReplicas{});
}

TEST(ThrottledReplicasTest, EmptyThrottlesNothing) {
  auto parsed = parse_ok("");
  EXPECT_FALSE(parsed.all);
  EXPECT_FALSE(parsed.includes(0, 1));
}

TEST(ThrottledReplicasTest, StarThrottlesEveryReplica) {
  auto parsed = parse_ok(" * ");
  EXPECT_TRUE(parsed.includes(0, 1));
  EXPECT_TRUE(parsed.includes(7, 3));
}

TEST(ThrottledReplicasTest, AListNamesPartitionAndBroker) {
  auto parsed = parse_ok("0:101, 0:102,1:102");
  EXPECT_TRUE(parsed.includes(0, 101));
  EXPECT_TRUE(parsed.includes(0, 102));
  EXPECT_TRUE(parsed.includes(1, 102));
  EXPECT_FALSE(parsed.includes(1, 101));
  EXPECT_FALSE(parsed.includes(2, 102));
}

TEST(ThrottledReplicasTest, MalformedValuesAreRefusedWithTheItem) {
  for (const char* bad :
       {"0", "0:", ":1", "a:1", "0:b", "-1:1", "0:1:2", "*,0:1", "0:99999999999"}) {
    std::string error;
    EXPECT_FALSE(parse_throttled_replicas(bad, error).has_value()) << bad;
    EXPECT_NE(error.find("partition:broker"), std::string::npos) << error;
  }
}

}  // namespace
}  // namespace gregor::broker
