// ReplicationQuota with a clock the test moves by hand.
#include "broker/replication_quota.h"

#include <gtest/gtest.h>

namespace gregor::broker {
namespace {

class ReplicationQuotaTest : public ::testing::Test {
 protected:
  int64_t now_ = 100000;
  ReplicationQuota quota_{[this] { return now_; }};
};

TEST_F(ReplicationQuotaTest, UnlimitedByDefault) {
  EXPECT_EQ(quota_.rate(), ReplicationQuota::kUnlimited);
  quota_.record(int64_t{1} << 40);
  EXPECT_FALSE(quota_.exceeded());
}

TEST_F(ReplicationQuotaTest, AFirstFetchOverTheRateThrottlesAtOnce) {
  quota_.set_rate(1000);
  EXPECT_FALSE(quota_.exceeded());
  quota_.record(1000);
  EXPECT_FALSE(quota_.exceeded());  // exactly the rate
  quota_.record(1);
  EXPECT_TRUE(quota_.exceeded());
}

TEST_F(ReplicationQuotaTest, TimeBringsTheRateBackUnder) {
  quota_.set_rate(1000);
  quota_.record(3000);
  now_ += 2000;
  EXPECT_TRUE(quota_.exceeded());  // 3000 bytes in 2 s
  now_ += 1000;
  EXPECT_FALSE(quota_.exceeded());  // 3000 bytes in 3 s
}

TEST_F(ReplicationQuotaTest, ARateBelowOneFetchIsMetOnAverage) {
  quota_.set_rate(100);
  quota_.record(500);
  now_ += 4000;
  EXPECT_TRUE(quota_.exceeded());
  now_ += 1000;
  EXPECT_FALSE(quota_.exceeded());
}

TEST_F(ReplicationQuotaTest, OldSamplesLeaveTheWindow) {
  quota_.set_rate(1000);
  quota_.record(50000);
  now_ += 9000;
  EXPECT_TRUE(quota_.exceeded());
  now_ += 1000;  // the sample is ten seconds old: forgotten
  EXPECT_FALSE(quota_.exceeded());
}

TEST_F(ReplicationQuotaTest, ManySamplesReuseTheOldestSlot) {
  quota_.set_rate(1000);
  for (int i = 0; i < 25; ++i) {
    quota_.record(900);
    now_ += 1000;
  }
  EXPECT_FALSE(quota_.exceeded());  // 9000 bytes over the ten seconds
  quota_.record(5000);
  EXPECT_TRUE(quota_.exceeded());
}

TEST_F(ReplicationQuotaTest, LoweringTheRateTakesEffectAtOnce) {
  quota_.record(2000);
  EXPECT_FALSE(quota_.exceeded());
  quota_.set_rate(1000);
  EXPECT_TRUE(quota_.exceeded());
  quota_.set_rate(ReplicationQuota::kUnlimited);
  EXPECT_FALSE(quota_.exceeded());
}

}  // namespace
}  // namespace gregor::broker
