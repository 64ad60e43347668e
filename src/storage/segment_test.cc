#include "storage/segment.h"

#include <sys/stat.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include "storage/file_util.h"
#include "storage/testing_batches.h"

namespace gregor::storage {
namespace {

using testing::make_batches;
using testing::parse_all;
using testing::read_slice;
using testing::TempDir;

LogConfig small_config() {
  LogConfig config;
  config.index_interval_bytes = 100;  // an index entry every couple of batches
  config.segment_index_bytes = 1024;
  return config;
}

// Appends `count` single-batch appends of 3 records each, offsets assigned from `base`.
void fill(Segment& segment, int64_t base, int count, int64_t timestamp = 1000) {
  for (int i = 0; i < count; ++i) {
    auto payload = make_batches(1, 3, timestamp + i * 10);
    const int64_t first = base + i * 3;
    protocol::assign_offsets(payload.bytes, first, 0);
    const BatchMeta meta{first, first + 2, payload.headers[0].max_timestamp,
                         static_cast<int64_t>(payload.bytes.size())};
    ASSERT_EQ(segment.append(payload.bytes, {&meta, 1}, 0), ErrorCode::kNone);
  }
}

TEST(SegmentTest, AppendFindAndRead) {
  TempDir dir;
  const LogConfig config = small_config();
  auto segment = Segment::create(dir.path(), 30, config);
  ASSERT_TRUE(segment);
  fill(*segment, 30, 20);
  EXPECT_EQ(segment->next_offset(), 90);
  EXPECT_EQ(segment->max_timestamp(), 1000 + 19 * 10 + 2);
  const int64_t batch_size = segment->size() / 20;

  auto found = segment->find(47, segment->size());  // inside the 6th batch [45, 47]
  ASSERT_TRUE(found);
  EXPECT_EQ(found->header.base_offset, 45);
  EXPECT_EQ(found->position, 5 * batch_size);
  EXPECT_FALSE(segment->find(90, segment->size()));

  auto outcome = segment->read(46, static_cast<int32_t>(3 * batch_size), false, 1000);
  ASSERT_TRUE(outcome.found && outcome.slice);
  auto headers = parse_all(read_slice(*outcome.slice));
  ASSERT_EQ(headers.size(), 3u);
  EXPECT_EQ(headers[0].base_offset, 45);
  EXPECT_EQ(headers[2].base_offset, 51);
}

// Bytes the filesystem has allocated to `path` (which may exceed its size).
int64_t allocated_bytes(const std::string& path) {
  struct stat st {};
  EXPECT_EQ(::stat(path.c_str(), &st), 0);
  return static_cast<int64_t>(st.st_blocks) * 512;
}

TEST(SegmentTest, AppendsReserveBlocksAheadAndSealingReleasesThem) {
  TempDir dir;
  auto segment = Segment::create(dir.path(), 0, small_config());
  ASSERT_TRUE(segment);
  fill(*segment, 0, 400);  // about 40 KB
  struct stat st {};
  ASSERT_EQ(::stat(segment->log_path().c_str(), &st), 0);
  EXPECT_EQ(st.st_size, segment->size());  // the reservation does not change the size
  // Blocks past the end are allocated (ext4, xfs and tmpfs support it; the build machines use
  // ext4): about as much again as the segment holds, for a small segment.
  EXPECT_GT(allocated_bytes(segment->log_path()), segment->size() + 16384);
  ASSERT_TRUE(segment->seal());
  EXPECT_LT(allocated_bytes(segment->log_path()), segment->size() + 8192);
  EXPECT_EQ(segment->size(), st.st_size);
}

TEST(SegmentTest, FindTimestampReturnsTheFirstRecordAtOrAfter) {
  TempDir dir;
  auto segment = Segment::create(dir.path(), 0, small_config());
  fill(*segment, 0, 20);  // batch i: max timestamp 1002 + 10 i
  auto found = segment->find_timestamp(1055, 0);
  ASSERT_TRUE(found);
  EXPECT_EQ(found->first, 18);  // batch 6 (timestamps 1060..1062) starts at offset 18
  EXPECT_EQ(found->second, 1060);
  EXPECT_EQ(segment->find_timestamp(0, 7)->first, 7);  // never before the starting offset
  EXPECT_FALSE(segment->find_timestamp(5000, 0));
}

TEST(SegmentTest, RecoverRebuildsTheSameIndexes) {
  TempDir dir;
  const LogConfig config = small_config();
  const std::string index_path = segment_file_path(dir.path(), 0, kIndexSuffix);
  std::string original;
  {
    auto segment = Segment::create(dir.path(), 0, config);
    fill(*segment, 0, 20);
    ASSERT_TRUE(segment->seal());
    ASSERT_EQ(read_small_file(Env::posix(), index_path, original), ReadStatus::kOk);
    ASSERT_GT(original.size(), 8u);
  }
  ASSERT_EQ(::unlink(index_path.c_str()), 0);
  auto segment = Segment::open(dir.path(), 0, config);
  EXPECT_FALSE(segment->indexes_sane());
  ASSERT_TRUE(segment->rebuild_indexes(0));
  ASSERT_TRUE(segment->seal());
  std::string rebuilt;
  ASSERT_EQ(read_small_file(Env::posix(), index_path, rebuilt), ReadStatus::kOk);
  EXPECT_EQ(rebuilt, original);
  EXPECT_EQ(segment->next_offset(), 60);
  EXPECT_EQ(segment->recover(0), 0);  // nothing to cut in a sound segment
  EXPECT_EQ(segment->next_offset(), 60);
}

TEST(SegmentTest, RecoverCutsATornTail) {
  TempDir dir;
  const LogConfig config = small_config();
  int64_t whole = 0;
  {
    auto segment = Segment::create(dir.path(), 0, config);
    fill(*segment, 0, 10);
    whole = segment->size();
  }
  const std::string log_path = segment_file_path(dir.path(), 0, kLogSuffix);
  ASSERT_EQ(::truncate(log_path.c_str(), whole - 5), 0);  // the last batch is incomplete
  auto segment = Segment::open(dir.path(), 0, config);
  const int64_t batch = whole / 10;
  EXPECT_EQ(segment->recover(0), batch - 5);
  EXPECT_EQ(segment->size(), 9 * batch);
  EXPECT_EQ(segment->next_offset(), 27);
}

TEST(SegmentTest, TruncateToRemovesWholeBatches) {
  TempDir dir;
  auto segment = Segment::create(dir.path(), 0, small_config());
  fill(*segment, 0, 10);
  const int64_t batch = segment->size() / 10;
  EXPECT_EQ(segment->truncate_to(13, 0), 6 * batch);  // offset 13 is in batch [12, 14]
  EXPECT_EQ(segment->next_offset(), 12);
  EXPECT_EQ(segment->size(), 4 * batch);
  fill(*segment, 12, 1);  // appends continue from there
  EXPECT_EQ(segment->next_offset(), 15);
}

TEST(SegmentTest, RollRules) {
  TempDir dir;
  LogConfig config = small_config();
  config.segment_bytes = 1000;
  config.segment_ms = 500;
  auto segment = Segment::create(dir.path(), 0, config);
  EXPECT_FALSE(segment->should_roll(5000, 1, 0, 0, config));  // empty: never rolls
  fill(*segment, 0, 1);                                       // first append at time 0
  const int64_t used = segment->size();
  EXPECT_FALSE(segment->should_roll(1000 - used, 1, 3, 10, config));
  EXPECT_TRUE(segment->should_roll(1001 - used, 1, 3, 10, config));
  EXPECT_TRUE(segment->should_roll(1, 1, 3, 500, config));                // too old
  EXPECT_TRUE(segment->should_roll(1, 1, int64_t{1} << 31, 10, config));  // relative overflow
  EXPECT_TRUE(segment->should_roll(1, 1024 / 8, 3, 10, config));          // index full
}

}  // namespace
}  // namespace gregor::storage
