#include "common/properties.h"

#include <gtest/gtest.h>

namespace gregor {
namespace {

TEST(PropertiesTest, ParsesKafkaStyleFiles) {
  std::string error;
  auto props = parse_properties(
      "# comment\n! also comment\nbroker.id=1\n  log.dirs = /tmp/a , /tmp/b \n"
      "listeners: PLAINTEXT://:9092\nlong=a\\\n  b\nempty=\n",
      error);
  ASSERT_TRUE(props) << error;
  EXPECT_EQ(props->at("broker.id"), "1");
  EXPECT_EQ(props->at("log.dirs"), "/tmp/a , /tmp/b");
  EXPECT_EQ(props->at("listeners"), "PLAINTEXT://:9092");
  EXPECT_EQ(props->at("long"), "ab");
  EXPECT_EQ(props->at("empty"), "");
}

TEST(PropertiesTest, LaterKeysWin) {
  std::string error;
  auto props = parse_properties("a=1\na=2\n", error);
  ASSERT_TRUE(props);
  EXPECT_EQ(props->at("a"), "2");
}

TEST(PropertiesTest, LineWithoutSeparatorIsAnError) {
  std::string error;
  EXPECT_FALSE(parse_properties("a=1\nnonsense\n", error));
  EXPECT_NE(error.find("line 2"), std::string::npos);
}

TEST(PropertiesTest, SplitAssignment) {
  auto kv = split_assignment("log.dirs=/x=y");
  ASSERT_TRUE(kv);
  EXPECT_EQ(kv->first, "log.dirs");
  EXPECT_EQ(kv->second, "/x=y");
  EXPECT_FALSE(split_assignment("nothing"));
}

}  // namespace
}  // namespace gregor
