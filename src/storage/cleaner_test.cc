// Compaction: one pass of the cleaner (cleaner.h), the key map, and recovery of interrupted
// swaps at open.
#include "storage/cleaner.h"

#include <filesystem>
#include <optional>
#include <string>
#include <tuple>
#include <vector>

#include <gtest/gtest.h>

#include "storage/testing_records.h"

namespace gregor::storage {
namespace {

using protocol::Compression;

using namespace testing;

CleanStats clean(Log& log, int64_t first_dirty = 0, int64_t map_bytes = 1 << 20,
                 int64_t now_ms = kNow) {
  KeyOffsetMap map(map_bytes);
  const CleanableRange range = cleanable_range(log, first_dirty, now_ms);
  EXPECT_TRUE(range.due);
  return clean_log(log, range, map, now_ms);
}

// The headers of every batch of the log's non-active segments.
std::vector<protocol::BatchHeader> stored_headers(const Log& log) {
  std::vector<protocol::BatchHeader> headers;
  const auto list = log.segment_snapshot();
  for (size_t i = 0; i + 1 < list.size(); ++i) {
    int64_t at = 0;
    while (auto header = list[i]->read_header(at, list[i]->size())) {
      headers.push_back(*header);
      at += static_cast<int64_t>(header->total_size());
    }
  }
  return headers;
}

TEST(OffsetMapTest, KeepsTheLatestOffsetAndReportsFull) {
  KeyOffsetMap map(24 * 16);  // 16 slots, 14 usable
  for (int i = 0; i < 14; ++i)
    EXPECT_TRUE(map.put(bytes_of("k" + std::to_string(i)), i));
  EXPECT_TRUE(map.full());
  EXPECT_FALSE(map.put(bytes_of("new"), 99));
  EXPECT_TRUE(map.put(bytes_of("k3"), 50));  // an existing key still updates
  EXPECT_EQ(map.get(bytes_of("k3")), 50);
  EXPECT_EQ(map.get(bytes_of("new")), -1);
  map.clear();
  EXPECT_EQ(map.get(bytes_of("k3")), -1);
}

TEST(CleanerTest, KeepsTheLatestRecordPerKeyWithItsOffset) {
  TempDir dir;
  auto log = open_log(dir / "t-0", compacted_config());
  append(*log, {{"k1", "a"}, {"k2", "b"}});
  append(*log, {{"k1", "c"}});
  append(*log, {{"k3", "d"}});
  append(*log, {{"k2", "e"}});
  append(*log, {{"k4", "f"}}, kNow);
  append(*log, {{"k1", "g"}}, kNow);  // the active segment is never cleaned
  ASSERT_GE(log->segment_count(), 5u);
  const CleanStats stats = clean(*log);
  EXPECT_EQ(stats.error, ErrorCode::kNone);
  EXPECT_EQ(stats.records_read, 6);
  EXPECT_EQ(stats.records_kept, 4);
  EXPECT_GT(stats.map_memory_bytes, 0);
  // k1=c stays: its later value is in the active segment, beyond the cleaned part.
  const std::vector<Entry> expected{
      {2, "k1", "c"}, {3, "k3", "d"}, {4, "k2", "e"}, {5, "k4", "f"}, {6, "k1", "g"}};
  EXPECT_EQ(read_all(*log), expected);
  EXPECT_EQ(log->log_end_offset(), 7);
  EXPECT_EQ(log->read(0, 1 << 20, true, 7).error, ErrorCode::kNone);  // gap: next batch served
  // Nothing is left to clean until more is written.
  EXPECT_FALSE(cleanable_range(*log, stats.cleaned_upto, kNow).due);
}

// KIP-534: the first pass that keeps a tombstone gives its batch a delete horizon of
// now + delete.retention.ms (stored as the batch's first timestamp); a pass at or after the
// horizon drops the tombstone, however old the record itself is.
TEST(CleanerTest, RemovesTombstonesOnceTheirDeleteHorizonHasPassed) {
  TempDir dir;
  auto log = open_log(dir / "t-0", compacted_config());
  append(*log, {{"old", "a"}, {"young", "b"}});
  append(*log, {{"old", std::nullopt}}, kNow - 10 * kHour);  // far older than 1 h: kept anyway
  append(*log, {{"young", std::nullopt}}, kNow - kHour / 2);
  append(*log, {{"x", "y"}}, kNow);
  clean(*log);
  const std::vector<Entry> tombstones{{2, "old", std::nullopt}, {3, "young", std::nullopt}};
  EXPECT_EQ(read_all(*log), (std::vector<Entry>{tombstones[0], tombstones[1], {4, "x", "y"}}));
  const auto headers = stored_headers(*log);
  ASSERT_EQ(headers.size(), 2u);
  for (const auto& header : headers) {
    EXPECT_TRUE(header.has_delete_horizon());
    EXPECT_EQ(header.first_timestamp, kNow + kHour);
  }
  EXPECT_EQ(headers[0].max_timestamp, kNow - 10 * kHour);  // record timestamps are kept
  EXPECT_EQ(headers[1].max_timestamp, kNow - kHour / 2);

  clean(*log, 0, 1 << 20, kNow + kHour - 1);  // before the horizon: kept, horizon unchanged
  EXPECT_EQ(read_all(*log), (std::vector<Entry>{tombstones[0], tombstones[1], {4, "x", "y"}}));
  EXPECT_EQ(stored_headers(*log)[0].first_timestamp, kNow + kHour);
  clean(*log, 0, 1 << 20, kNow + kHour);
  EXPECT_EQ(read_all(*log), (std::vector<Entry>{{4, "x", "y"}}));
}

TEST(CleanerTest, BatchesWithoutTombstonesGetNoHorizon) {
  TempDir dir;
  auto log = open_log(dir / "t-0", compacted_config());
  append(*log, {{"a", "1"}});
  append(*log, {{"b", "2"}});
  append(*log, {{"c", "3"}}, kNow);
  clean(*log);
  for (const auto& header : stored_headers(*log)) {
    EXPECT_FALSE(header.has_delete_horizon());
    EXPECT_EQ(header.first_timestamp, kNow - 2 * kHour);
  }
}

// Kafka's grouping: adjacent cleaned segments are merged while their sizes add up to at most
// segment.bytes; offsets are kept.
TEST(CleanerTest, MergesSmallSegmentsUpToSegmentBytes) {
  TempDir dir;
  LogConfig config = compacted_config();
  auto log = open_log(dir / "t-0", config);
  for (int i = 0; i < 6; ++i)
    append(*log, {{"k" + std::to_string(i), "v"}});
  append(*log, {{"end", "v"}}, kNow);
  ASSERT_EQ(log->segment_count(), 7u);
  const int64_t one = log->segment_snapshot()[0]->size();
  config.segment_bytes = static_cast<int32_t>(3 * one);  // three segments per group
  log->set_config(config);
  const CleanStats stats = clean(*log);
  EXPECT_EQ(stats.segments, 6);
  EXPECT_EQ(stats.cleaned_segments, 2);
  std::vector<int64_t> bases;
  for (const auto& segment : log->segment_snapshot())
    bases.push_back(segment->base_offset());
  EXPECT_EQ(bases, (std::vector<int64_t>{0, 3, 6}));
  std::vector<Entry> expected;
  for (int i = 0; i < 6; ++i)
    expected.emplace_back(i, "k" + std::to_string(i), "v");
  expected.emplace_back(6, "end", "v");
  EXPECT_EQ(read_all(*log), expected);
  for (int64_t offset = 0; offset < 7; ++offset) {  // the merged indexes find every offset
    auto read = log->read(offset, 1 << 20, true, 7);
    ASSERT_TRUE(read.slice) << offset;
  }
  // The merged files are the only segment files left, and a reopened log reads the same.
  size_t files = 0;
  for (const auto& entry : std::filesystem::directory_iterator(dir / "t-0")) {
    EXPECT_TRUE(entry.path().extension() != ".deleted") << entry.path();
    if (entry.path().filename() != kLeaderEpochCheckpoint) ++files;
  }
  EXPECT_EQ(files, 9u);
  ASSERT_EQ(log->close(), ErrorCode::kNone);
  auto reopened = Log::open(dir / "t-0", config, /*needs_recovery=*/true, 0);
  ASSERT_EQ(reopened.error, ErrorCode::kNone);
  EXPECT_EQ(read_all(*reopened.log), expected);
}

TEST(CleanerTest, MergingStopsAtTheIndexSize) {
  TempDir dir;
  LogConfig config = compacted_config();
  config.segment_bytes = 400;  // several batches per segment, so each segment has an index entry
  config.index_interval_bytes = 1;
  auto log = open_log(dir / "t-0", config);
  for (int i = 0; i < 15; ++i)
    append(*log, {{"k" + std::to_string(i), "v"}});
  append(*log, {{"end", "v"}}, kNow);
  const auto before = log->segment_snapshot();
  ASSERT_EQ(before.size(), 4u);
  ASSERT_GT(before[0]->offset_index_bytes(), 0);
  config.segment_bytes = 1 << 20;
  // Room for the offset index entries of two segments, not three.
  ASSERT_EQ(before[0]->offset_index_bytes(), before[1]->offset_index_bytes());
  config.segment_index_bytes = static_cast<int32_t>(2 * before[0]->offset_index_bytes());
  log->set_config(config);
  const CleanStats stats = clean(*log);
  EXPECT_EQ(stats.segments, 3);
  EXPECT_EQ(stats.cleaned_segments, 2);
  EXPECT_EQ(log->segment_count(), 3u);
  EXPECT_EQ(read_all(*log).size(), 16u);
}

TEST(CleanerTest, RebuildsCompressedBatchesKeepingTheCodec) {
  TempDir dir;
  LogConfig config = compacted_config();
  config.segment_bytes = 1 << 20;
  auto log = open_log(dir / "t-0", config);
  append(*log, {{"k1", "a"}, {"k2", "b"}, {"k1", "c"}, {"k3", "d"}}, kNow - kHour,
         Compression::kZstd);
  append(*log, {{"k2", "e"}}, kNow - kHour, Compression::kGzip);
  config.segment_bytes = 1;  // the next append rolls
  log->set_config(config);
  append(*log, {{"z", "z"}}, kNow);
  ASSERT_EQ(log->segment_count(), 2u);
  clean(*log);
  std::vector<Compression> codecs;
  const std::vector<Entry> expected{{2, "k1", "c"}, {3, "k3", "d"}, {4, "k2", "e"}, {5, "z", "z"}};
  EXPECT_EQ(read_all(*log, &codecs), expected);
  EXPECT_EQ(codecs,
            (std::vector<Compression>{Compression::kZstd, Compression::kGzip, Compression::kNone}));
}

TEST(CleanerTest, HonoursTheDirtyRatioAndTheCompactionLags) {
  TempDir dir;
  LogConfig config = compacted_config();
  auto log = open_log(dir / "t-0", config);
  for (int i = 0; i < 4; ++i)
    append(*log, {{"k" + std::to_string(i), "v"}});
  append(*log, {{"a", "v"}});
  const CleanStats first = clean(*log);
  EXPECT_EQ(first.cleaned_upto, 4);
  append(*log, {{"b", "v"}});  // rolls: one dirty segment ("a") against four clean ones
  EXPECT_NEAR(cleanable_range(*log, first.cleaned_upto, kNow).dirty_ratio(), 0.2, 0.05);
  EXPECT_FALSE(cleanable_range(*log, first.cleaned_upto, kNow).due);  // below 0.5
  config.min_cleanable_dirty_ratio = 0.1;
  log->set_config(config);
  EXPECT_TRUE(cleanable_range(*log, first.cleaned_upto, kNow).due);
  config.min_cleanable_dirty_ratio = 0.9;
  config.max_compaction_lag_ms = kHour;  // the dirty record is 2 h old: due anyway
  log->set_config(config);
  EXPECT_TRUE(cleanable_range(*log, first.cleaned_upto, kNow).due);
  config.min_compaction_lag_ms = 10 * kHour;  // everything is too young to clean
  log->set_config(config);
  const CleanableRange range = cleanable_range(*log, 0, kNow);
  EXPECT_EQ(range.end, 0);
  EXPECT_FALSE(range.due);
}

TEST(CleanerTest, ASmallKeyMapCleansInSeveralPasses) {
  TempDir dir;
  LogConfig config = compacted_config();
  config.min_cleanable_dirty_ratio = 0;
  auto log = open_log(dir / "t-0", config);
  for (int round = 0; round < 2; ++round)
    for (int i = 0; i < 20; ++i)
      append(*log, {{"k" + std::to_string(i), std::to_string(round)}});
  append(*log, {{"end", "v"}}, kNow);
  int64_t first_dirty = 0;
  for (int pass = 0; pass < 10 && cleanable_range(*log, first_dirty, kNow).due; ++pass)
    first_dirty = clean(*log, first_dirty, 24 * 16).cleaned_upto;  // 14 keys per pass
  EXPECT_EQ(first_dirty, 40);
  std::vector<Entry> expected;
  for (int i = 0; i < 20; ++i)
    expected.emplace_back(20 + i, "k" + std::to_string(i), "1");
  expected.emplace_back(40, "end", "v");
  EXPECT_EQ(read_all(*log), expected);
}

}  // namespace
}  // namespace gregor::storage
