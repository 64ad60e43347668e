// Crash recovery: torn tails, corrupt batches, lost indexes, clean and unclean restarts.
#include <fcntl.h>
#include <unistd.h>

#include <filesystem>

#include <gtest/gtest.h>

#include "storage/checkpoint_file.h"
#include "storage/file_util.h"
#include "storage/log.h"
#include "storage/log_manager.h"
#include "storage/testing_batches.h"

namespace gregor::storage {
namespace {

using testing::make_batches;
using testing::parse_all;
using testing::read_slice;
using testing::TempDir;

constexpr int64_t kNow = 1'700'000'000'000;

LogConfig tiny_config() {
  LogConfig config;
  config.segment_bytes = 2048;
  config.index_interval_bytes = 128;
  config.segment_index_bytes = 4096;
  return config;
}

std::shared_ptr<Log> open_log(const std::string& dir, bool recover, int64_t recovery_point) {
  auto opened = Log::open(dir, tiny_config(), recover, recovery_point);
  EXPECT_EQ(opened.error, ErrorCode::kNone);
  return opened.log;
}

// Appends `count` batches of 5 records each, one per append.
void fill(Log& log, int count) {
  for (int i = 0; i < count; ++i) {
    auto payload = make_batches(1, 5, kNow);
    ASSERT_EQ(log.append(payload.bytes, payload.headers, 0, kNow).error, ErrorCode::kNone);
  }
}

int64_t batch_size() {
  return static_cast<int64_t>(make_batches(1, 5, kNow).bytes.size());
}

void flip_byte(const std::string& path, int64_t position) {
  const int fd = ::open(path.c_str(), O_RDWR);
  ASSERT_GE(fd, 0);
  uint8_t byte = 0;
  ASSERT_EQ(::pread(fd, &byte, 1, position), 1);
  byte ^= 0x40;
  ASSERT_EQ(::pwrite(fd, &byte, 1, position), 1);
  ::close(fd);
}

// The path of segment `n` (0 = oldest) of the log in `dir`.
std::string segment_path(const std::string& dir, size_t n, std::string_view suffix) {
  std::vector<int64_t> bases;
  for (const auto& entry : std::filesystem::directory_iterator(dir)) {
    if (auto base = parse_segment_file_name(entry.path().filename().string(), kLogSuffix)) {
      bases.push_back(*base);
    }
  }
  std::sort(bases.begin(), bases.end());
  return segment_file_path(dir, bases.at(n), suffix);
}

TEST(LogRecoveryTest, TornTailIsCut) {
  TempDir dir;
  const std::string path = dir / "t-0";
  {
    auto log = open_log(path, false, 0);
    fill(*log, 10);  // one segment; dropped without close(), as in a crash
  }
  const std::string log_file = segment_path(path, 0, kLogSuffix);
  ASSERT_EQ(::truncate(log_file.c_str(), 9 * batch_size() + 30), 0);
  auto log = open_log(path, /*recover=*/true, 0);
  EXPECT_EQ(log->log_end_offset(), 45);
  EXPECT_EQ(std::filesystem::file_size(log_file), static_cast<uintmax_t>(9 * batch_size()));
  fill(*log, 1);
  EXPECT_EQ(log->log_end_offset(), 50);
}

// The acks=all flush syncs records but not the active segment's indexes, so it moves the recovery
// point only to the active segment's base; a full flush moves it to the end.
TEST(LogRecoveryTest, FlushOfRecordsStopsTheRecoveryPointAtTheActiveSegment) {
  TempDir dir;
  auto log = open_log(dir / "t-0", false, 0);
  fill(*log, 30);
  ASSERT_GE(log->segment_count(), 3u);
  ASSERT_EQ(log->flush(Log::FlushScope::kRecords), ErrorCode::kNone);
  EXPECT_EQ(log->flushed_offset(), 150);
  EXPECT_EQ(log->recovery_point(), log->segment_snapshot().back()->base_offset());
  EXPECT_GT(log->recovery_point(), 0);
  fill(*log, 30);
  ASSERT_EQ(log->flush(Log::FlushScope::kRecords), ErrorCode::kNone);
  EXPECT_EQ(log->flushed_offset(), 300);
  EXPECT_EQ(log->recovery_point(), log->segment_snapshot().back()->base_offset());
  ASSERT_EQ(log->flush(), ErrorCode::kNone);
  EXPECT_EQ(log->recovery_point(), 300);
  EXPECT_EQ(log->flushed_offset(), 300);
}

// After a crash the active segment's indexes are rebuilt from its records, whatever they hold.
TEST(LogRecoveryTest, ActiveIndexesLostAfterAFlushOfRecordsAreRebuilt) {
  TempDir dir;
  const std::string path = dir / "t-0";
  int64_t recovery_point = 0;
  int64_t active_base = 0;
  {
    auto log = open_log(path, false, 0);
    fill(*log, 50);
    ASSERT_EQ(log->flush(Log::FlushScope::kRecords), ErrorCode::kNone);
    recovery_point = log->recovery_point();
    active_base = log->segment_snapshot().back()->base_offset();
  }
  // As if the index pages never reached the disk: all zeros.
  const std::string index = segment_file_path(path, active_base, kIndexSuffix);
  const auto index_size = std::filesystem::file_size(index);
  std::filesystem::resize_file(index, 0);
  std::filesystem::resize_file(index, index_size);

  auto log = open_log(path, /*recover=*/true, recovery_point);
  EXPECT_EQ(log->log_end_offset(), 250);
  for (int64_t offset = active_base; offset < 250; offset += 5) {
    auto read = log->read(offset, 1 << 20, true, INT64_MAX);
    ASSERT_TRUE(read.slice) << offset;
    EXPECT_EQ(parse_all(read_slice(*read.slice)).front().base_offset, offset);
  }
}

TEST(LogRecoveryTest, CorruptBatchAboveTheRecoveryPointIsNeverReturned) {
  TempDir dir;
  const std::string path = dir / "t-0";
  int64_t recovery_point = 0;
  {
    auto log = open_log(path, false, 0);
    fill(*log, 20);
    ASSERT_EQ(log->flush(), ErrorCode::kNone);
    recovery_point = log->recovery_point();
    fill(*log, 30);
    ASSERT_GE(log->segment_count(), 4u);
  }
  // A flipped record byte in the 3rd batch of the segment after the recovery point's one.
  const int64_t per_segment = 2048 / batch_size();
  const size_t corrupt_segment = static_cast<size_t>(recovery_point / 5 / per_segment) + 1;
  flip_byte(segment_path(path, corrupt_segment, kLogSuffix), 2 * batch_size() + 70);
  const int64_t corrupt_offset = (static_cast<int64_t>(corrupt_segment) * per_segment + 2) * 5;

  auto log = open_log(path, /*recover=*/true, recovery_point);
  EXPECT_EQ(log->log_end_offset(), corrupt_offset);
  EXPECT_EQ(log->segment_count(), corrupt_segment + 1);  // later segments dropped
  EXPECT_FALSE(log->read(corrupt_offset, 1 << 20, true, INT64_MAX).slice);
  // Every batch that is served is intact.
  for (int64_t offset = 0; offset < log->log_end_offset();) {
    auto read = log->read(offset, 1 << 20, true, INT64_MAX);
    ASSERT_TRUE(read.slice);
    const auto bytes = read_slice(*read.slice);
    for (const auto& header : parse_all(bytes))
      EXPECT_LT(header.last_offset(), corrupt_offset);
    offset = parse_all(bytes).back().last_offset() + 1;
  }
  fill(*log, 1);
  EXPECT_EQ(log->log_end_offset(), corrupt_offset + 5);
}

TEST(LogRecoveryTest, DeletedIndexIsRebuilt) {
  TempDir dir;
  const std::string path = dir / "t-0";
  {
    auto log = open_log(path, false, 0);
    fill(*log, 40);
    ASSERT_EQ(log->close(), ErrorCode::kNone);
  }
  const std::string index = segment_path(path, 0, kIndexSuffix);
  std::string original;
  ASSERT_EQ(read_small_file(Env::posix(), index, original), ReadStatus::kOk);
  ASSERT_FALSE(original.empty());
  ASSERT_EQ(::unlink(index.c_str()), 0);

  auto log = open_log(path, /*recover=*/true, /*recovery_point=*/200);  // segment 0 trusted
  std::string rebuilt;
  ASSERT_EQ(read_small_file(Env::posix(), index, rebuilt), ReadStatus::kOk);
  EXPECT_EQ(rebuilt, original);
  EXPECT_EQ(log->log_end_offset(), 200);
  auto read = log->read(17, 1 << 20, false, 200);
  ASSERT_TRUE(read.slice);
  EXPECT_EQ(parse_all(read_slice(*read.slice)).front().base_offset, 15);
}

TEST(LogRecoveryTest, CleanShutdownSkipsRecoveryAndUncleanDoesNot) {
  TempDir dir;
  std::string error;
  {
    auto manager = LogManager::open({dir.path()}, error, tiny_config());
    ASSERT_TRUE(manager) << error;
    auto log = manager->create("orders", 0, tiny_config());
    fill(*log, 4);
    ASSERT_EQ(manager->shutdown(), ErrorCode::kNone);
  }
  EXPECT_TRUE(std::filesystem::exists(dir / kCleanShutdownMarker));
  // Corrupt the last batch: a clean start does not check CRCs, so it stays.
  const std::string log_file = segment_path(dir / "orders-0", 0, kLogSuffix);
  flip_byte(log_file, 3 * batch_size() + 70);
  {
    auto manager = LogManager::open({dir.path()}, error, tiny_config());
    ASSERT_TRUE(manager) << error;
    EXPECT_FALSE(std::filesystem::exists(dir / kCleanShutdownMarker));  // consumed
    EXPECT_EQ(manager->get("orders", 0)->log_end_offset(), 20);
    // Dropped without shutdown(): a crash.
  }
  auto manager = LogManager::open({dir.path()}, error, tiny_config());
  ASSERT_TRUE(manager) << error;
  EXPECT_EQ(manager->get("orders", 0)->log_end_offset(), 15);  // recovered: batch cut
}

TEST(LogRecoveryTest, CorruptCheckpointMeansFullRecovery) {
  TempDir dir;
  std::string error;
  {
    auto manager = LogManager::open({dir.path()}, error, tiny_config());
    fill(*manager->create("t", 0, tiny_config()), 30);
    ASSERT_EQ(manager->shutdown(), ErrorCode::kNone);
  }
  ASSERT_TRUE(
      write_file_atomically(Env::posix(), dir / kRecoveryPointCheckpoint, "0\n7\nt 0 zz\n"));
  flip_byte(segment_path(dir / "t-0", 0, kLogSuffix), batch_size() + 70);  // batch [5, 9]
  auto manager = LogManager::open({dir.path()}, error, tiny_config());
  ASSERT_TRUE(manager) << error;
  EXPECT_EQ(manager->get("t", 0)->log_end_offset(), 5);
}

}  // namespace
}  // namespace gregor::storage
