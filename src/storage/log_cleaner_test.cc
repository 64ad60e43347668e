// The log cleaner's choice of logs and its `cleaner-offset-checkpoint`: a restart resumes
// cleaning from the checkpointed first dirty offset instead of the log start.
#include "storage/log_cleaner.h"

#include <filesystem>
#include <fstream>
#include <string>

#include <gtest/gtest.h>

#include "storage/file_util.h"
#include "storage/testing_records.h"

namespace gregor::storage {
namespace {

using namespace testing;

std::unique_ptr<LogManager> open_manager(const std::string& dir) {
  std::string error;
  auto manager = LogManager::open({dir}, error);
  EXPECT_TRUE(manager) << error;
  return manager;
}

std::string checkpoint_text(const std::string& dir) {
  std::string text;
  EXPECT_EQ(read_small_file(Env::posix(), dir + "/" + kCleanerOffsetCheckpoint, text),
            ReadStatus::kOk);
  return text;
}

// Four old keyed segments and an active one: all dirty.
void fill(Log& log, const std::string& value) {
  for (int i = 0; i < 4; ++i)
    append(log, {{"k" + std::to_string(i), value}});
  append(log, {{"active", value}}, kNow);
}

TEST(LogCleanerTest, CheckpointsTheFirstDirtyOffsetAndResumesFromIt) {
  TempDir dir;
  KeyOffsetMap map(1 << 20);
  {
    auto manager = open_manager(dir.path());
    fill(*manager->create("compacted", 0, compacted_config()), "a");
    fill(*manager->create("plain", 0, LogConfig{}), "a");  // not compacted: never cleaned
    LogCleaner cleaner(*manager, {});
    EXPECT_TRUE(cleaner.clean_one(map, kNow));
    EXPECT_FALSE(cleaner.clean_one(map, kNow));  // nothing dirty is left
    EXPECT_EQ(checkpoint_text(dir.path()), "0\n1\ncompacted 0 4\n");
    ASSERT_EQ(manager->shutdown(), ErrorCode::kNone);
  }
  auto manager = open_manager(dir.path());
  manager->create("compacted", 0, compacted_config());  // the broker hands the log its config
  LogCleaner cleaner(*manager, {});
  // Without the checkpoint the whole log would be dirty again (ratio 1).
  EXPECT_FALSE(cleaner.clean_one(map, kNow));
  auto log = manager->get("compacted", 0);
  for (int i = 0; i < 4; ++i)
    append(*log, {{"k" + std::to_string(i), "b"}});
  append(*log, {{"active", "b"}}, kNow);  // rolls: [4, 9) is dirty
  const CleanableRange range = cleanable_range(*log, 4, kNow);
  EXPECT_EQ(range.first_dirty, 4);
  EXPECT_TRUE(cleaner.clean_one(map, kNow));
  EXPECT_EQ(checkpoint_text(dir.path()), "0\n1\ncompacted 0 9\n");
  std::vector<Entry> expected{{4, "active", "a"}};  // its later value is in the active segment
  for (int i = 0; i < 4; ++i)
    expected.emplace_back(5 + i, "k" + std::to_string(i), "b");
  expected.emplace_back(9, "active", "b");
  EXPECT_EQ(read_all(*log), expected);
}

TEST(LogCleanerTest, CorruptOrStaleCheckpointsCleanFromTheStart) {
  TempDir dir;
  KeyOffsetMap map(1 << 20);
  {
    auto manager = open_manager(dir.path());
    fill(*manager->create("compacted", 0, compacted_config()), "a");
    ASSERT_EQ(manager->shutdown(), ErrorCode::kNone);
  }
  for (std::string_view text : {"0\n2\ncompacted 0 4\n", "1\n1\ncompacted 0 4\n",
                                "0\n1\ncompacted x 4\n", "0\n1\nother 0 4\n"}) {
    std::ofstream(dir / kCleanerOffsetCheckpoint) << text;
    auto manager = open_manager(dir.path());
    manager->create("compacted", 0, compacted_config());
    LogCleaner cleaner(*manager, {});
    EXPECT_TRUE(cleaner.clean_one(map, kNow)) << text;
    EXPECT_EQ(checkpoint_text(dir.path()), "0\n1\ncompacted 0 4\n");
    ASSERT_EQ(manager->shutdown(), ErrorCode::kNone);
  }
}

TEST(LogCleanerTest, ARemovedLogLeavesTheCheckpoint) {
  TempDir dir;
  KeyOffsetMap map(1 << 20);
  auto manager = open_manager(dir.path());
  fill(*manager->create("gone", 0, compacted_config()), "a");
  fill(*manager->create("kept", 0, compacted_config()), "a");
  LogCleaner cleaner(*manager, {});
  EXPECT_TRUE(cleaner.clean_one(map, kNow));
  EXPECT_TRUE(cleaner.clean_one(map, kNow));
  EXPECT_EQ(checkpoint_text(dir.path()), "0\n2\ngone 0 4\nkept 0 4\n");
  ASSERT_EQ(manager->remove("gone", 0), ErrorCode::kNone);
  // The same partition created again is a new log: dirty from its start.
  fill(*manager->create("gone", 0, compacted_config()), "b");
  EXPECT_TRUE(cleaner.clean_one(map, kNow));
  EXPECT_EQ(checkpoint_text(dir.path()), "0\n2\ngone 0 4\nkept 0 4\n");
  fill(*manager->create("kept", 0, compacted_config()), "b");
  ASSERT_EQ(manager->remove("gone", 0), ErrorCode::kNone);
  EXPECT_TRUE(cleaner.clean_one(map, kNow));
  EXPECT_EQ(checkpoint_text(dir.path()), "0\n1\nkept 0 9\n");
}

// KIP-534 in a log nobody writes to any more: once the horizon of the tombstones the last pass
// kept has passed, the log is cleaned again although it has nothing dirty.
TEST(LogCleanerTest, ExpiredTombstonesAreRemovedWithoutNewWrites) {
  TempDir dir;
  KeyOffsetMap map(1 << 20);
  auto manager = open_manager(dir.path());
  auto log = manager->create("quiet", 0, compacted_config());
  append(*log, {{"a", "1"}, {"b", "2"}});
  append(*log, {{"a", std::nullopt}});
  append(*log, {{"c", "3"}}, kNow);
  LogCleaner cleaner(*manager, {});
  EXPECT_TRUE(cleaner.clean_one(map, kNow));  // keeps the tombstone, horizon kNow + 1 h
  EXPECT_EQ(read_all(*log),
            (std::vector<Entry>{{1, "b", "2"}, {2, "a", std::nullopt}, {3, "c", "3"}}));
  EXPECT_FALSE(cleaner.clean_one(map, kNow + kHour - 1));
  EXPECT_TRUE(cleaner.clean_one(map, kNow + kHour));
  EXPECT_EQ(read_all(*log), (std::vector<Entry>{{1, "b", "2"}, {3, "c", "3"}}));
  EXPECT_FALSE(cleaner.clean_one(map, kNow + 2 * kHour));  // nothing left to remove
  EXPECT_EQ(checkpoint_text(dir.path()), "0\n1\nquiet 0 3\n");
}

TEST(LogCleanerTest, EachDirectoryCheckpointsItsOwnLogs) {
  TempDir a, b;
  KeyOffsetMap map(1 << 20);
  std::string error;
  auto manager = LogManager::open({a.path(), b.path()}, error);
  ASSERT_TRUE(manager) << error;
  fill(*manager->create("one", 0, compacted_config()), "a");  // placed in a
  fill(*manager->create("two", 0, compacted_config()), "a");  // placed in b
  LogCleaner cleaner(*manager, {});
  EXPECT_TRUE(cleaner.clean_one(map, kNow));
  EXPECT_TRUE(cleaner.clean_one(map, kNow));
  EXPECT_EQ(checkpoint_text(a.path()), "0\n1\none 0 4\n");
  EXPECT_EQ(checkpoint_text(b.path()), "0\n1\ntwo 0 4\n");
  EXPECT_EQ(manager->read_checkpoints(kCleanerOffsetCheckpoint),
            (OffsetMap{{{"one", 0}, 4}, {{"two", 0}, 4}}));
}

}  // namespace
}  // namespace gregor::storage
