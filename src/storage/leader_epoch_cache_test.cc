#include "storage/leader_epoch_cache.h"

#include <fstream>
#include <sstream>

#include <gtest/gtest.h>

#include "storage/testing_batches.h"

namespace gregor::storage {
namespace {

using testing::TempDir;
using Entries = std::vector<EpochEntry>;

std::string file_text(const std::string& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

void write_text(const std::string& path, const std::string& text) {
  std::ofstream(path) << text;
}

TEST(LeaderEpochCacheTest, AssignKeepsOnlyNewerEpochsAtLaterOffsets) {
  TempDir dir;
  LeaderEpochCache cache(dir / kLeaderEpochCheckpoint);
  EXPECT_EQ(cache.latest_epoch(), kUndefinedEpoch);
  cache.assign(0, 0);
  cache.assign(0, 10);  // same epoch: ignored
  cache.assign(2, 20);
  cache.assign(1, 30);  // older epoch: ignored
  cache.assign(5, 15);  // offset below the latest start: ignored
  cache.assign(5, 20);  // same start as the latest: kept (epoch 2 wrote nothing)
  cache.assign(-1, 40);
  EXPECT_EQ(cache.entries(), (Entries{{0, 0}, {2, 20}, {5, 20}}));
  EXPECT_EQ(cache.latest_epoch(), 5);
  EXPECT_EQ(file_text(dir / kLeaderEpochCheckpoint), "0\n3\n0 0\n2 20\n5 20\n");
}

TEST(LeaderEpochCacheTest, EndOffsetForFollowsKafka) {
  TempDir dir;
  LeaderEpochCache cache(dir / kLeaderEpochCheckpoint);
  EXPECT_EQ(cache.end_offset_for(0, 100), (EpochEndOffset{-1, -1}));  // empty
  cache.assign(2, 10);
  cache.assign(4, 30);
  cache.assign(7, 50);
  EXPECT_EQ(cache.end_offset_for(kUndefinedEpoch, 100), (EpochEndOffset{-1, -1}));
  EXPECT_EQ(cache.end_offset_for(7, 100), (EpochEndOffset{7, 100}));  // latest: log end
  EXPECT_EQ(cache.end_offset_for(8, 100), (EpochEndOffset{-1, -1}));  // above every epoch
  EXPECT_EQ(cache.end_offset_for(4, 100), (EpochEndOffset{4, 50}));
  EXPECT_EQ(cache.end_offset_for(5, 100), (EpochEndOffset{4, 50}));  // unknown: the one below
  EXPECT_EQ(cache.end_offset_for(2, 100), (EpochEndOffset{2, 30}));
  EXPECT_EQ(cache.end_offset_for(1, 100), (EpochEndOffset{1, 10}));  // below every epoch
}

TEST(LeaderEpochCacheTest, TruncateFromEnd) {
  TempDir dir;
  LeaderEpochCache cache(dir / kLeaderEpochCheckpoint);
  cache.assign(1, 0);
  cache.assign(2, 10);
  cache.assign(3, 20);
  cache.truncate_from_end(25);  // nothing starts at or above 25
  EXPECT_EQ(cache.entries(), (Entries{{1, 0}, {2, 10}, {3, 20}}));
  cache.truncate_from_end(10);
  EXPECT_EQ(cache.entries(), (Entries{{1, 0}}));
  EXPECT_EQ(cache.latest_epoch(), 1);
  EXPECT_EQ(file_text(dir / kLeaderEpochCheckpoint), "0\n1\n1 0\n");
  cache.truncate_from_end(0);
  EXPECT_TRUE(cache.entries().empty());
  EXPECT_EQ(cache.latest_epoch(), kUndefinedEpoch);
}

TEST(LeaderEpochCacheTest, TruncateFromStart) {
  TempDir dir;
  LeaderEpochCache cache(dir / kLeaderEpochCheckpoint);
  cache.assign(1, 5);
  cache.assign(2, 10);
  cache.assign(3, 20);
  cache.truncate_from_start(3);  // below every entry: unchanged
  EXPECT_EQ(cache.entries(), (Entries{{1, 5}, {2, 10}, {3, 20}}));
  cache.truncate_from_start(10);  // an entry starts there: it stays, the ones below go
  EXPECT_EQ(cache.entries(), (Entries{{2, 10}, {3, 20}}));
  cache.truncate_from_start(15);  // epoch 2 covers 15: it now starts there
  EXPECT_EQ(cache.entries(), (Entries{{2, 15}, {3, 20}}));
  cache.truncate_from_start(99);
  EXPECT_EQ(cache.entries(), (Entries{{3, 99}}));
  EXPECT_EQ(file_text(dir / kLeaderEpochCheckpoint), "0\n1\n3 99\n");
}

TEST(LeaderEpochCacheTest, LoadReadsWhatWasWritten) {
  TempDir dir;
  const std::string path = dir / kLeaderEpochCheckpoint;
  {
    LeaderEpochCache cache(path);
    EXPECT_EQ(cache.load(), CheckpointStatus::kMissing);
    cache.assign(0, 0);
    cache.assign(3, 42);
  }
  LeaderEpochCache reopened(path);
  EXPECT_EQ(reopened.load(), CheckpointStatus::kOk);
  EXPECT_EQ(reopened.entries(), (Entries{{0, 0}, {3, 42}}));
  EXPECT_EQ(reopened.latest_epoch(), 3);
}

TEST(LeaderEpochCacheTest, MalformedFilesAreCorruptAndLeaveTheCacheEmpty) {
  TempDir dir;
  const std::string path = dir / kLeaderEpochCheckpoint;
  for (const std::string text : {
           "1\n1\n0 0\n",        // unknown version
           "0\n2\n0 0\n",        // count disagrees
           "0\n1\n0\n",          // missing field
           "0\n1\n0 x\n",        // not a number
           "0\n1\n-2 0\n",       // negative epoch
           "0\n2\n3 0\n2 10\n",  // epochs out of order
           "0\n2\n1 10\n2 5\n",  // offsets out of order
           "0\n1\n0 0 7\n",      // extra field
           "",                   // empty
       }) {
    LeaderEpochCache cache(path);
    cache.assign(9, 9);  // replaced by load
    write_text(path, text);
    EXPECT_EQ(cache.load(), CheckpointStatus::kCorrupt) << text;
    EXPECT_TRUE(cache.entries().empty()) << text;
    EXPECT_EQ(cache.latest_epoch(), kUndefinedEpoch) << text;
  }
}

}  // namespace
}  // namespace gregor::storage
