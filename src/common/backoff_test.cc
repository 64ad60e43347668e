#include "common/backoff.h"

#include <gtest/gtest.h>

namespace gregor {
namespace {

using std::chrono::milliseconds;

TEST(BackoffTest, DoublesUpToTheLongestAndStartsOverAfterASuccess) {
  Backoff backoff(milliseconds(50), milliseconds(1000));
  EXPECT_EQ(backoff.failed(), milliseconds(50));
  EXPECT_EQ(backoff.failed(), milliseconds(100));
  EXPECT_EQ(backoff.failed(), milliseconds(200));
  EXPECT_EQ(backoff.failed(), milliseconds(400));
  EXPECT_EQ(backoff.failed(), milliseconds(800));
  EXPECT_EQ(backoff.failed(), milliseconds(1000));
  EXPECT_EQ(backoff.failed(), milliseconds(1000));
  backoff.succeeded();
  EXPECT_EQ(backoff.failed(), milliseconds(50));
}

TEST(BackoffTest, ALongestBelowTheFirstWins) {
  Backoff zero(milliseconds(50), milliseconds(0));
  EXPECT_EQ(zero.failed(), milliseconds(0));
  EXPECT_EQ(zero.failed(), milliseconds(0));
  Backoff short_one(milliseconds(50), milliseconds(20));
  EXPECT_EQ(short_one.failed(), milliseconds(20));
}

}  // namespace
}  // namespace gregor
