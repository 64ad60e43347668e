#include "cli/client.h"

#include <gtest/gtest.h>

#include "cli/cli_error.h"
#include "cli/config_util.h"

namespace gregor::cli {
namespace {

TEST(ClientPropertiesTest, ParsesKeyValueLinesAndSkipsComments) {
  ClientProperties props;
  std::string error;
  ASSERT_TRUE(parse_client_properties("# comment\n\nsecurity.protocol = PLAINTEXT\nclient.id=a=b\n",
                                      props, error));
  EXPECT_EQ(props.at("security.protocol"), "PLAINTEXT");
  EXPECT_EQ(props.at("client.id"), "a=b");
  EXPECT_FALSE(parse_client_properties("ok=1\nbroken\n", props, error));
  EXPECT_EQ(error, "line 2 is not key=value: broken");
}

TEST(ConfigArgumentsTest, AssignmentsNeedAKey) {
  auto parsed = parse_assignments({"retention.ms=1000", "x="});
  ASSERT_EQ(parsed.size(), 2u);
  EXPECT_EQ(parsed[0].second, "1000");
  EXPECT_EQ(parsed[1].second, "");
  EXPECT_THROW(parse_assignments({"retention.ms"}), CliError);
  EXPECT_THROW(parse_assignments({"=1"}), CliError);
}

}  // namespace
}  // namespace gregor::cli
