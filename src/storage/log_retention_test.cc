// The delete policy: Log::delete_expired_segments by time, by size and below the log start.
#include <filesystem>

#include <gtest/gtest.h>

#include "storage/log.h"
#include "storage/testing_batches.h"

namespace gregor::storage {
namespace {

using testing::make_batches;
using testing::read_slice;
using testing::TempDir;

constexpr int64_t kNow = 1'700'000'000'000;
constexpr int64_t kHour = 3'600'000;

// One 5-record batch per segment.
LogConfig one_batch_segments() {
  LogConfig config;
  config.segment_bytes = 300;
  config.index_interval_bytes = 128;
  config.segment_index_bytes = 4096;
  return config;
}

std::shared_ptr<Log> open_log(const std::string& dir, const LogConfig& config) {
  auto opened = Log::open(dir, config, false, 0);
  EXPECT_EQ(opened.error, ErrorCode::kNone);
  return opened.log;
}

// Appends one batch of 5 records whose timestamps end at `timestamp`.
void append_at(Log& log, int64_t timestamp) {
  auto payload = make_batches(1, 5, timestamp - 4);
  ASSERT_EQ(log.append(payload.bytes, payload.headers, 0, kNow).error, ErrorCode::kNone);
}

size_t files_with_suffix(const std::string& dir, std::string_view suffix) {
  size_t count = 0;
  for (const auto& entry : std::filesystem::directory_iterator(dir))
    count += entry.path().filename().string().ends_with(suffix);
  return count;
}

TEST(LogRetentionTest, ByTimeRemovesOldSegmentsOnly) {
  TempDir dir;
  LogConfig config = one_batch_segments();
  config.retention_ms = kHour;
  auto log = open_log(dir / "t-0", config);
  for (int i = 0; i < 3; ++i)
    append_at(*log, kNow - 10 * kHour);
  for (int i = 0; i < 2; ++i)
    append_at(*log, kNow - 1000);
  ASSERT_EQ(log->segment_count(), 5u);
  auto held = log->read(0, 1 << 20, true, 100);  // a reader holding the first segment
  ASSERT_TRUE(held.slice);

  EXPECT_EQ(log->delete_expired_segments(kNow), 3);
  EXPECT_EQ(log->segment_count(), 2u);
  EXPECT_EQ(log->log_start_offset(), 15);
  EXPECT_EQ(log->read(0, 1 << 20, true, 100).error, ErrorCode::kOffsetOutOfRange);
  EXPECT_TRUE(log->read(15, 1 << 20, true, 100).slice);
  EXPECT_EQ(files_with_suffix(log->dir(), ".log"), 2u);
  EXPECT_EQ(files_with_suffix(log->dir(), ".deleted"), 0u);
  EXPECT_EQ(read_slice(*held.slice).size(), static_cast<size_t>(held.slice->size));
  EXPECT_EQ(log->delete_expired_segments(kNow), 0);  // idempotent
}

TEST(LogRetentionTest, NeverRemovesTheActiveSegment) {
  TempDir dir;
  LogConfig config = one_batch_segments();
  config.retention_ms = kHour;
  auto log = open_log(dir / "t-0", config);
  for (int i = 0; i < 4; ++i)
    append_at(*log, kNow - 10 * kHour);
  EXPECT_EQ(log->delete_expired_segments(kNow), 3);
  EXPECT_EQ(log->segment_count(), 1u);
  EXPECT_EQ(log->log_start_offset(), 15);
  EXPECT_EQ(log->log_end_offset(), 20);
  append_at(*log, kNow);  // appends carry on
  EXPECT_EQ(log->log_end_offset(), 25);
}

TEST(LogRetentionTest, BySizeKeepsAtLeastRetentionBytes) {
  TempDir dir;
  LogConfig config = one_batch_segments();
  auto log = open_log(dir / "t-0", config);
  for (int i = 0; i < 5; ++i)
    append_at(*log, kNow);
  const int64_t segment = log->size_bytes() / 5;
  config.retention_bytes = segment * 5 / 2;  // 2.5 segments
  log->set_config(config);
  EXPECT_EQ(log->delete_expired_segments(kNow), 2);
  EXPECT_EQ(log->size_bytes(), 3 * segment);
  EXPECT_EQ(log->log_start_offset(), 10);
}

TEST(LogRetentionTest, CompactOnlyKeepsOldSegmentsButHonoursTheStartOffset) {
  TempDir dir;
  LogConfig config = one_batch_segments();
  config.retention_ms = kHour;
  config.retention_bytes = 1;
  config.cleanup_policy = "compact";
  auto log = open_log(dir / "t-0", config);
  for (int i = 0; i < 4; ++i)
    append_at(*log, kNow - 10 * kHour);
  EXPECT_EQ(log->delete_expired_segments(kNow), 0);
  ASSERT_EQ(log->advance_log_start_offset(12), ErrorCode::kNone);  // DeleteRecords
  EXPECT_EQ(log->delete_expired_segments(kNow), 2);                // [0,5) and [5,10)
  EXPECT_EQ(log->log_start_offset(), 12);
}

TEST(LogRetentionTest, StartOffsetOfAReopenedLogIsTheFirstKeptSegment) {
  TempDir dir;
  LogConfig config = one_batch_segments();
  config.retention_ms = kHour;
  {
    auto log = open_log(dir / "t-0", config);
    for (int i = 0; i < 3; ++i)
      append_at(*log, kNow - 10 * kHour);
    append_at(*log, kNow);
    EXPECT_EQ(log->delete_expired_segments(kNow), 3);
    ASSERT_EQ(log->close(), ErrorCode::kNone);
  }
  auto log = open_log(dir / "t-0", config);
  EXPECT_EQ(log->log_start_offset(), 15);
  EXPECT_EQ(log->log_end_offset(), 20);
}

}  // namespace
}  // namespace gregor::storage
