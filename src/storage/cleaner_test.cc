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

CleanStats clean(Log& log, int64_t first_dirty = 0, int64_t map_bytes = 1 << 20) {
  KeyOffsetMap map(map_bytes);
  const CleanableRange range = cleanable_range(log, first_dirty, kNow);
  EXPECT_TRUE(range.due);
  return clean_log(log, range, map, kNow);
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

TEST(CleanerTest, RemovesTombstonesOlderThanDeleteRetention) {
  TempDir dir;
  auto log = open_log(dir / "t-0", compacted_config());
  append(*log, {{"old", "a"}, {"young", "b"}});
  append(*log, {{"old", std::nullopt}});                      // 2 h old: past 1 h
  append(*log, {{"young", std::nullopt}}, kNow - kHour / 2);  // within delete.retention.ms
  append(*log, {{"x", "y"}}, kNow);
  clean(*log);
  const std::vector<Entry> expected{{3, "young", std::nullopt}, {4, "x", "y"}};
  EXPECT_EQ(read_all(*log), expected);
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
