#include "storage/log_manager.h"

#include <filesystem>

#include <gtest/gtest.h>

#include "storage/testing_batches.h"

namespace gregor::storage {
namespace {

using testing::make_batches;
using testing::TempDir;

void fill(Log& log, int batches) {
  auto payload = make_batches(batches, 2, 1000);
  ASSERT_EQ(log.append(payload.bytes, payload.headers, 0, 1000).error, ErrorCode::kNone);
}

TEST(LogManagerTest, ReopenDiscoversPartitionsAcrossDirectories) {
  TempDir a, b;
  std::string error;
  {
    auto manager = LogManager::open({a.path(), b.path()}, error);
    ASSERT_TRUE(manager) << error;
    for (int p = 0; p < 4; ++p)
      fill(*manager->create("my-topic", p, LogConfig{}), p + 1);
    // Placement: the directory with the fewest partitions, so two each.
    EXPECT_EQ(std::distance(std::filesystem::directory_iterator(a.path()), {}), 2 + 1);  // +.lock
    EXPECT_EQ(manager->create("my-topic", 0, LogConfig{})->log_end_offset(), 2);         // existing
    ASSERT_EQ(manager->shutdown(), ErrorCode::kNone);
  }
  auto manager = LogManager::open({a.path(), b.path()}, error);
  ASSERT_TRUE(manager) << error;
  ASSERT_EQ(manager->all().size(), 4u);
  for (int p = 0; p < 4; ++p) {
    auto log = manager->get("my-topic", p);
    ASSERT_TRUE(log);
    EXPECT_EQ(log->log_end_offset(), 2 * (p + 1));
    EXPECT_EQ(log->recovery_point(), 2 * (p + 1));
  }
  EXPECT_FALSE(manager->get("my-topic", 4));
}

TEST(LogManagerTest, ADirectoryCanBeOpenedOnlyOnce) {
  TempDir dir;
  std::string error;
  auto first = LogManager::open({dir.path()}, error);
  ASSERT_TRUE(first);
  EXPECT_FALSE(LogManager::open({dir.path()}, error));
  EXPECT_NE(error.find("in use"), std::string::npos);
  first->shutdown();
  EXPECT_TRUE(LogManager::open({dir.path()}, error));  // lock released
}

TEST(LogManagerTest, CheckpointsAndRemove) {
  TempDir dir;
  std::string error;
  auto manager = LogManager::open({dir.path()}, error);
  auto log = manager->create("t", 0, LogConfig{});
  fill(*log, 3);
  ASSERT_EQ(log->flush(), ErrorCode::kNone);
  ASSERT_EQ(log->advance_log_start_offset(2), ErrorCode::kNone);
  ASSERT_EQ(manager->checkpoint_recovery_points(), ErrorCode::kNone);
  EXPECT_EQ(read_checkpoint(dir / kRecoveryPointCheckpoint).offsets.at({"t", 0}), 6);
  EXPECT_EQ(read_checkpoint(dir / kLogStartOffsetCheckpoint).offsets.at({"t", 0}), 2);

  ASSERT_EQ(manager->remove("t", 0), ErrorCode::kNone);
  EXPECT_FALSE(manager->get("t", 0));
  EXPECT_FALSE(std::filesystem::exists(dir / "t-0"));
  EXPECT_EQ(manager->remove("t", 0), ErrorCode::kUnknownTopicOrPartition);
  // Renamed at once, removed by the background task.
  auto renamed = [&] {
    int count = 0;
    for (const auto& entry : std::filesystem::directory_iterator(dir.path()))
      count += entry.path().filename().string().ends_with("-delete");
    return count;
  };
  EXPECT_EQ(renamed(), 1);
  manager->delete_pending_dirs();
  EXPECT_EQ(renamed(), 0);
}

TEST(LogManagerTest, LogStartOffsetSurvivesARestart) {
  TempDir dir;
  std::string error;
  {
    auto manager = LogManager::open({dir.path()}, error);
    auto log = manager->create("t", 0, LogConfig{});
    fill(*log, 5);
    ASSERT_EQ(log->advance_log_start_offset(4), ErrorCode::kNone);
    ASSERT_EQ(manager->shutdown(), ErrorCode::kNone);
  }
  std::filesystem::create_directory(dir / "old-0.0123abcd-delete");  // an interrupted delete
  auto manager = LogManager::open({dir.path()}, error);
  EXPECT_EQ(manager->get("t", 0)->log_start_offset(), 4);
  EXPECT_FALSE(std::filesystem::exists(dir / "old-0.0123abcd-delete"));
  EXPECT_EQ(manager->all().size(), 1u);
}

}  // namespace
}  // namespace gregor::storage
