#include "storage/log.h"

#include <filesystem>

#include <gtest/gtest.h>

#include "storage/testing_batches.h"

namespace gregor::storage {
namespace {

using testing::make_batches;
using testing::parse_all;
using testing::Payload;
using testing::read_slice;
using testing::TempDir;
using testing::tiny_log_config;

constexpr int64_t kNow = 1'700'000'000'000;

std::shared_ptr<Log> open_log(const std::string& dir, const LogConfig& config, bool recover = false,
                              int64_t recovery_point = 0) {
  auto opened = Log::open(dir, config, recover, recovery_point);
  EXPECT_EQ(opened.error, ErrorCode::kNone);
  return opened.log;
}

AppendResult append(Log& log, int batches, int32_t records, int64_t now = kNow) {
  Payload payload = make_batches(batches, records, now - 1000);
  return log.append(payload.bytes, payload.headers, 7, now);
}

TEST(LogTest, AppendAssignsOffsetsAndRollsSegments) {
  TempDir dir;
  auto log = open_log(dir / "t-0", tiny_log_config());
  ASSERT_TRUE(log);
  EXPECT_EQ(log->log_end_offset(), 0);
  for (int i = 0; i < 30; ++i) {
    auto result = append(*log, 2, 5);
    ASSERT_EQ(result.error, ErrorCode::kNone);
    EXPECT_EQ(result.base_offset, i * 10);
    EXPECT_EQ(result.last_offset, i * 10 + 9);
    EXPECT_EQ(result.log_append_time, -1);
    EXPECT_EQ(result.log_start_offset, 0);
  }
  EXPECT_EQ(log->log_end_offset(), 300);
  EXPECT_GT(log->segment_count(), 5u);
  EXPECT_TRUE(std::filesystem::exists(dir / "t-0/00000000000000000000.log"));
  // Every segment but the active one stays within segment.bytes.
  const auto read = log->read(0, 1 << 20, false, 300);
  ASSERT_TRUE(read.slice);
  EXPECT_LE(read.slice->size, 1024);
  auto headers = parse_all(read_slice(*read.slice));
  ASSERT_FALSE(headers.empty());
  EXPECT_EQ(headers[0].partition_leader_epoch, 7);
  EXPECT_TRUE(protocol::batch_crc_ok(read_slice(*read.slice)));
}

TEST(LogTest, ReadLimits) {
  TempDir dir;
  LogConfig config;
  config.index_interval_bytes = 128;
  auto log = open_log(dir / "t-0", config);
  for (int i = 0; i < 10; ++i)
    ASSERT_EQ(append(*log, 1, 4).error, ErrorCode::kNone);
  const auto all = log->read(0, 1 << 20, false, 40);
  ASSERT_TRUE(all.slice);
  const int32_t batch = all.slice->size / 10;

  // Starts at the batch holding the offset; whole batches within max_bytes.
  auto part = log->read(9, 3 * batch + batch / 2, false, 40);
  ASSERT_TRUE(part.slice);
  auto headers = parse_all(read_slice(*part.slice));
  ASSERT_EQ(headers.size(), 3u);
  EXPECT_EQ(headers[0].base_offset, 8);

  // A first batch larger than max_bytes: nothing, or exactly it with min_one_batch.
  EXPECT_FALSE(log->read(8, batch - 1, false, 40).slice);
  auto one = log->read(8, batch - 1, true, 40);
  ASSERT_TRUE(one.slice);
  EXPECT_EQ(one.slice->size, batch);

  // The high watermark: no batch reaching it.
  auto below_hw = log->read(0, 1 << 20, false, 18);
  ASSERT_TRUE(below_hw.slice);
  EXPECT_EQ(parse_all(read_slice(*below_hw.slice)).back().last_offset(), 15);
  EXPECT_FALSE(log->read(16, 1 << 20, true, 18).slice);

  // Out of range, and the log end.
  EXPECT_EQ(log->read(41, 100, true, 40).error, ErrorCode::kOffsetOutOfRange);
  EXPECT_EQ(log->read(-1, 100, true, 40).error, ErrorCode::kOffsetOutOfRange);
  auto at_end = log->read(40, 100, true, 40);
  EXPECT_EQ(at_end.error, ErrorCode::kNone);
  EXPECT_FALSE(at_end.slice);

  ASSERT_EQ(log->advance_log_start_offset(20), ErrorCode::kNone);
  EXPECT_EQ(log->read(19, 100, true, 40).error, ErrorCode::kOffsetOutOfRange);
  EXPECT_TRUE(log->read(20, 100, true, 40).slice);
  EXPECT_EQ(log->advance_log_start_offset(41), ErrorCode::kOffsetOutOfRange);
}

// Reads skip the headers of batches the offset index covers; they must return exactly the
// batches a header-by-header scan would, whatever the start, limit and high watermark.
TEST(LogTest, ReadsAgreeWithAScanOfEveryHeader) {
  TempDir dir;
  LogConfig config;
  config.index_interval_bytes = 100;  // an index entry every other batch
  auto log = open_log(dir / "t-0", config);
  for (int i = 0; i < 60; ++i)
    ASSERT_EQ(append(*log, 1, 1 + i % 3).error, ErrorCode::kNone);
  const int64_t end = log->log_end_offset();
  const auto all = log->read(0, 1 << 20, false, end);
  ASSERT_TRUE(all.slice);
  const auto batches = parse_all(read_slice(*all.slice));
  ASSERT_EQ(batches.size(), 60u);
  for (int64_t offset = 0; offset < end; offset += 3) {
    for (int32_t max_bytes : {50, 300, 1000, 4000}) {
      for (int64_t hw : {offset, offset + 7, end - 2, end}) {
        // The expected slice: whole batches from the one holding `offset`, below hw, in budget.
        int32_t want = 0;
        for (const auto& batch : batches) {
          if (batch.last_offset() < offset) continue;
          const auto size = static_cast<int32_t>(batch.total_size());
          if (batch.last_offset() >= hw) break;
          if (want + size > max_bytes) {
            if (want == 0) want = size;  // min_one_batch
            break;
          }
          want += size;
        }
        const auto got = log->read(offset, max_bytes, true, hw);
        EXPECT_EQ(got.slice ? got.slice->size : 0, want)
            << "offset " << offset << " max_bytes " << max_bytes << " hw " << hw;
      }
    }
  }
}

TEST(LogTest, ReadsStayWithinOneSegment) {
  TempDir dir;
  auto log = open_log(dir / "t-0", tiny_log_config());
  for (int i = 0; i < 20; ++i)
    ASSERT_EQ(append(*log, 1, 5).error, ErrorCode::kNone);
  ASSERT_GT(log->segment_count(), 1u);
  int64_t offset = 0;
  while (offset < log->log_end_offset()) {
    auto read = log->read(offset, 1 << 20, false, log->log_end_offset());
    ASSERT_TRUE(read.slice);
    auto headers = parse_all(read_slice(*read.slice));
    ASSERT_FALSE(headers.empty());
    EXPECT_EQ(headers.front().base_offset, offset);
    offset = headers.back().last_offset() + 1;
  }
  EXPECT_EQ(offset, 100);
}

TEST(LogTest, OffsetsContinueAfterReopen) {
  TempDir dir;
  {
    auto log = open_log(dir / "t-3", tiny_log_config());
    for (int i = 0; i < 12; ++i)
      ASSERT_EQ(append(*log, 1, 5).error, ErrorCode::kNone);
    ASSERT_EQ(log->close(), ErrorCode::kNone);
    EXPECT_EQ(log->flushed_offset(), 60);
    EXPECT_EQ(append(*log, 1, 5).error, ErrorCode::kKafkaStorageError);
  }
  auto log = open_log(dir / "t-3", tiny_log_config());
  EXPECT_EQ(log->log_end_offset(), 60);
  EXPECT_EQ(log->recovery_point(), 60);
  EXPECT_EQ(append(*log, 1, 5).base_offset, 60);
  auto read = log->read(58, 1 << 20, false, 65);
  ASSERT_TRUE(read.slice);
  EXPECT_EQ(parse_all(read_slice(*read.slice)).front().base_offset, 55);
}

TEST(LogTest, LogAppendTimeRewritesTheBatch) {
  TempDir dir;
  LogConfig config;
  config.timestamp_type = protocol::TimestampType::kLogAppendTime;
  auto log = open_log(dir / "t-0", config);
  auto result = append(*log, 2, 3, kNow);
  EXPECT_EQ(result.log_append_time, kNow);
  auto bytes = read_slice(*log->read(0, 1 << 20, false, 6).slice);
  auto headers = parse_all(bytes);
  ASSERT_EQ(headers.size(), 2u);
  EXPECT_EQ(headers[1].max_timestamp, kNow);
  EXPECT_EQ(headers[1].timestamp_type(), protocol::TimestampType::kLogAppendTime);
  EXPECT_TRUE(protocol::batch_crc_ok(protocol::ByteView(bytes).subspan(headers[0].total_size())));
}

TEST(LogTest, OffsetForTimestamp) {
  TempDir dir;
  auto log = open_log(dir / "t-0", tiny_log_config());
  // Batch i holds offsets [5i, 5i+4] with timestamps 100 i .. 100 i + 4.
  for (int i = 0; i < 20; ++i) {
    Payload payload = make_batches(1, 5, 100 * i);
    ASSERT_EQ(log->append(payload.bytes, payload.headers, 0, kNow).error, ErrorCode::kNone);
  }
  auto found = log->offset_for_timestamp(1250);
  ASSERT_TRUE(found);
  EXPECT_EQ(found->first, 65);  // the first record of batch 13 (timestamps 1300..1304)
  EXPECT_EQ(found->second, 1300);
  found = log->offset_for_timestamp(1302);
  ASSERT_TRUE(found);
  EXPECT_EQ(found->first, 67);  // inside the batch: the exact record
  EXPECT_EQ(found->second, 1302);
  EXPECT_EQ(log->offset_for_timestamp(0)->first, 0);
  EXPECT_FALSE(log->offset_for_timestamp(99999));
  auto max = log->offset_of_max_timestamp();
  ASSERT_TRUE(max);
  EXPECT_EQ(max->first, 99);  // the last record of batch 19, at 1904
  EXPECT_EQ(max->second, 1904);
}

TEST(LogTest, TruncateToAndDelete) {
  TempDir dir;
  auto log = open_log(dir / "t-0", tiny_log_config());
  for (int i = 0; i < 20; ++i)
    ASSERT_EQ(append(*log, 1, 5).error, ErrorCode::kNone);
  const size_t segments = log->segment_count();
  ASSERT_EQ(log->truncate_to(23), ErrorCode::kNone);  // inside batch [20, 24]
  EXPECT_EQ(log->log_end_offset(), 20);
  EXPECT_LT(log->segment_count(), segments);
  EXPECT_EQ(append(*log, 1, 5).base_offset, 20);
  ASSERT_EQ(log->truncate_to(0), ErrorCode::kNone);
  EXPECT_EQ(log->log_end_offset(), 0);
  EXPECT_EQ(log->segment_count(), 1u);

  ASSERT_EQ(log->delete_files(), ErrorCode::kNone);
  EXPECT_FALSE(std::filesystem::exists(dir / "t-0"));
  EXPECT_TRUE(std::filesystem::is_empty(dir.path()));
  EXPECT_EQ(append(*log, 1, 5).error, ErrorCode::kKafkaStorageError);
}

TEST(LogTest, FlushAdvancesTheFlushedOffset) {
  TempDir dir;
  LogConfig config = tiny_log_config();
  config.flush_messages = 10;
  auto log = open_log(dir / "t-0", config);
  EXPECT_EQ(log->flushed_offset(), 0);
  ASSERT_EQ(append(*log, 1, 5).error, ErrorCode::kNone);
  EXPECT_FALSE(log->flush_due(kNow));
  ASSERT_EQ(append(*log, 1, 5).error, ErrorCode::kNone);
  EXPECT_TRUE(log->flush_due(kNow));
  ASSERT_EQ(log->flush(), ErrorCode::kNone);
  EXPECT_EQ(log->flushed_offset(), 10);
  EXPECT_FALSE(log->flush_due(kNow));
}

}  // namespace
}  // namespace gregor::storage
