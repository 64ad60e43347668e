#include "cli/api_versions_view.h"

#include <gtest/gtest.h>

#include <array>

namespace gregor::cli {
namespace {

// gregor's side: Produce 3-9, Fetch 4-12, Metadata 0-12.
constexpr std::array<protocol::ApiSchemaInfo, 3> kKnown = {{
    {0, "Produce", 3, 9, 9, 9},
    {1, "Fetch", 4, 12, 12, 12},
    {3, "Metadata", 0, 12, 9, 9},
}};

TEST(ApiVersionsViewTest, UsableIsTheHighestVersionBothSidesKnow) {
  const auto rows = compare_api_versions({{0, 0, 11}, {3, 0, 4}}, kKnown);
  ASSERT_EQ(rows.size(), 3u);
  EXPECT_EQ(rows[0].name, "Produce");
  EXPECT_EQ(rows[0].usable, 9);  // the broker's 11 is newer than gregor's 9
  EXPECT_EQ(rows[2].name, "Metadata");
  EXPECT_EQ(rows[2].usable, 4);  // the broker's 4 is older than gregor's 12
  EXPECT_EQ(rows[2].note, "");
}

TEST(ApiVersionsViewTest, RangesThatDoNotMeetAreUnusable) {
  const auto rows = compare_api_versions({{0, 0, 2}, {1, 13, 15}}, kKnown);
  ASSERT_EQ(rows.size(), 3u);
  EXPECT_FALSE(rows[0].usable.has_value());
  EXPECT_EQ(rows[0].note, "node too old");
  EXPECT_FALSE(rows[1].usable.has_value());
  EXPECT_EQ(rows[1].note, "node too new");
}

TEST(ApiVersionsViewTest, KnownApisTheBrokerLacksAreUnsupportedAndUnknownKeysKeepTheirRange) {
  const auto rows = compare_api_versions({{57, 0, 1}, {0, 3, 9}}, kKnown);
  ASSERT_EQ(rows.size(), 4u);  // by key: Produce, Fetch, Metadata, 57
  EXPECT_EQ(rows[1].name, "Fetch");
  EXPECT_EQ(rows[1].note, "unsupported");
  EXPECT_FALSE(rows[1].broker_min.has_value());
  EXPECT_EQ(rows[3].key, 57);
  EXPECT_EQ(rows[3].name, "UNKNOWN");
  EXPECT_EQ(rows[3].broker_max, 1);
  EXPECT_FALSE(rows[3].usable.has_value());
  EXPECT_EQ(rows[3].note, "");
}

TEST(ApiVersionsViewTest, NamesComeFromTheSchemas) {
  EXPECT_EQ(api_name(1, kKnown), "Fetch");
  EXPECT_EQ(api_name(99, kKnown), "UNKNOWN");
}

}  // namespace
}  // namespace gregor::cli
