#include "broker/topic_name.h"

#include <gtest/gtest.h>

namespace gregor::broker {
namespace {

TEST(TopicNameTest, AcceptsKafkaNames) {
  for (auto name : {"a", "orders", "my-topic.v2_x", "__consumer_offsets", "A.B-C_D"}) {
    EXPECT_EQ(invalid_topic_name_reason(name), std::nullopt) << name;
  }
  EXPECT_EQ(invalid_topic_name_reason(std::string(249, 'x')), std::nullopt);
}

TEST(TopicNameTest, RejectsIllegalNames) {
  for (auto name : {"", ".", "..", "bad/name", "sp ace", "tab\t", "ü", "a:b"}) {
    EXPECT_NE(invalid_topic_name_reason(name), std::nullopt) << name;
  }
  EXPECT_NE(invalid_topic_name_reason(std::string(250, 'x')), std::nullopt);
}

TEST(TopicNameTest, DotAndUnderscoreCollide) {
  EXPECT_EQ(topic_collision_key("a.b"), topic_collision_key("a_b"));
  EXPECT_NE(topic_collision_key("a.b"), topic_collision_key("a-b"));
}

}  // namespace
}  // namespace gregor::broker
