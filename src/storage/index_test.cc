#include <sys/stat.h>

#include <gtest/gtest.h>

#include "storage/offset_index.h"
#include "storage/testing_batches.h"
#include "storage/time_index.h"

namespace gregor::storage {
namespace {

using testing::TempDir;

int64_t file_bytes(const std::string& path) {
  struct stat st {};
  return ::stat(path.c_str(), &st) == 0 ? st.st_size : -1;
}

TEST(OffsetIndexTest, AppendLookupAndFull) {
  TempDir dir;
  const std::string path = dir / "00000000000000000100.index";
  auto index = OffsetIndex::open(path, 100, 4 * 8);
  ASSERT_TRUE(index);
  EXPECT_EQ(index->lookup(150).offset, 100);  // empty: {base, 0}
  EXPECT_EQ(index->lookup(150).position, 0);
  ASSERT_TRUE(index->file().grow());
  EXPECT_EQ(file_bytes(path), 32);  // preallocated
  ASSERT_TRUE(index->append(110, 1000));
  ASSERT_TRUE(index->append(120, 2000));
  ASSERT_TRUE(index->append(120, 2500));  // not above the last offset: ignored
  ASSERT_TRUE(index->append(130, 3000));
  EXPECT_EQ(index->file().entries(), 3);
  EXPECT_EQ(index->lookup(105).position, 0);
  EXPECT_EQ(index->lookup(110).position, 1000);
  EXPECT_EQ(index->lookup(125).position, 2000);
  EXPECT_EQ(index->lookup(1000).position, 3000);
  EXPECT_FALSE(index->full());
  ASSERT_TRUE(index->append(140, 4000));
  EXPECT_TRUE(index->full());
  EXPECT_FALSE(index->append(150, 5000));

  index->truncate_to(125);  // drops 130 and 140
  EXPECT_EQ(index->file().entries(), 2);
  EXPECT_EQ(index->last_entry()->offset, 120);
}

TEST(OffsetIndexTest, LookupByPosition) {
  TempDir dir;
  auto index = OffsetIndex::open(dir / "00000000000000000100.index", 100, 4 * 8);
  ASSERT_TRUE(index);
  ASSERT_TRUE(index->file().grow());
  EXPECT_EQ(index->lookup_position(5000).position, 0);  // empty: {base, 0}
  EXPECT_EQ(index->lookup_position(5000).offset, 100);
  ASSERT_TRUE(index->append(110, 1000));
  ASSERT_TRUE(index->append(120, 2000));
  EXPECT_EQ(index->lookup_position(999).position, 0);
  EXPECT_EQ(index->lookup_position(1000).offset, 110);
  EXPECT_EQ(index->lookup_position(1999).offset, 110);
  EXPECT_EQ(index->lookup_position(2000).offset, 120);
  EXPECT_EQ(index->lookup_position(1 << 30).position, 2000);
}

TEST(OffsetIndexTest, TrimKeepsEntriesAndReopens) {
  TempDir dir;
  const std::string path = dir / "00000000000000000000.index";
  {
    auto index = OffsetIndex::open(path, 0, 1024);
    ASSERT_TRUE(index->file().grow());
    for (int i = 1; i <= 5; ++i)
      ASSERT_TRUE(index->append(i * 10, i * 100));
    ASSERT_TRUE(index->file().trim());
    EXPECT_EQ(file_bytes(path), 5 * 8);
    EXPECT_EQ(index->lookup(35).position, 300);  // still readable after the trim
  }
  auto index = OffsetIndex::open(path, 0, 1024);
  EXPECT_EQ(index->file().entries(), 5);
  EXPECT_TRUE(index->sane(10000));
  EXPECT_FALSE(index->sane(500));  // last position beyond the log
  EXPECT_EQ(index->lookup(49).offset, 40);
}

TEST(OffsetIndexTest, UntrimmedIndexFromACrashIsNotSane) {
  TempDir dir;
  const std::string path = dir / "00000000000000000000.index";
  {
    auto index = OffsetIndex::open(path, 0, 1024);
    ASSERT_TRUE(index->file().grow());
    ASSERT_TRUE(index->append(10, 100));
    ASSERT_TRUE(index->append(20, 200));
  }  // no trim: the file keeps its preallocated zeros, as after a crash
  auto index = OffsetIndex::open(path, 0, 1024);
  EXPECT_EQ(index->file().entries(), 1024 / 8);
  EXPECT_FALSE(index->sane(10000));
}

TEST(OffsetIndexTest, PartialEntryIsNotSane) {
  TempDir dir;
  const std::string path = dir / "00000000000000000000.index";
  { auto index = OffsetIndex::open(path, 0, 1024); }
  ASSERT_EQ(::truncate(path.c_str(), 12), 0);
  auto index = OffsetIndex::open(path, 0, 1024);
  EXPECT_FALSE(index->sane(10000));
}

TEST(TimeIndexTest, AppendsOnlyIncreasingTimestampsAndKeepsASlotForTheRoll) {
  TempDir dir;
  auto index = TimeIndex::open(dir / "00000000000000000050.timeindex", 50, 3 * 12);
  ASSERT_TRUE(index);
  ASSERT_TRUE(index->file().grow());
  EXPECT_TRUE(index->maybe_append(-1, 50));  // no timestamp: nothing indexed
  EXPECT_EQ(index->file().entries(), 0);
  ASSERT_TRUE(index->maybe_append(1000, 55));
  ASSERT_TRUE(index->maybe_append(1000, 60));  // not a larger timestamp: ignored
  EXPECT_EQ(index->file().entries(), 1);
  ASSERT_TRUE(index->maybe_append(2000, 60));
  EXPECT_TRUE(index->full());  // 3 slots, the last one reserved
  EXPECT_FALSE(index->maybe_append(3000, 70));
  EXPECT_TRUE(index->maybe_append(3000, 70, /*on_roll=*/true));

  EXPECT_EQ(index->lookup(999).timestamp, -1);
  EXPECT_EQ(index->lookup(999).offset, 50);
  EXPECT_EQ(index->lookup(1500).offset, 55);
  EXPECT_EQ(index->lookup(2000).offset, 60);
  EXPECT_EQ(index->lookup(9999).offset, 70);
  EXPECT_TRUE(index->sane());

  index->truncate_to(60);
  EXPECT_EQ(index->file().entries(), 1);
  EXPECT_EQ(index->last_entry()->timestamp, 1000);
}

}  // namespace
}  // namespace gregor::storage
