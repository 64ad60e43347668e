// Leader epochs in storage::Log: assigned by appends (leader and follower), kept in step by
// truncation and log start moves, persisted and rebuilt across restarts.
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include <gtest/gtest.h>

#include "storage/log.h"
#include "storage/testing_batches.h"

namespace gregor::storage {
namespace {

using testing::parse_all;
using testing::read_slice;
using testing::TempDir;
using Entries = std::vector<EpochEntry>;

constexpr int64_t kNow = 1'700'000'000'000;

std::string checkpoint_in(const std::string& log_dir) {
  return log_dir + "/" + kLeaderEpochCheckpoint;
}

LogConfig small_segments() {
  LogConfig config;
  config.segment_bytes = 2048;
  config.index_interval_bytes = 128;
  return config;
}

std::shared_ptr<Log> open_log(const std::string& dir, bool recover = false) {
  auto opened = Log::open(dir, small_segments(), recover, /*recovery_point=*/0);
  EXPECT_EQ(opened.error, ErrorCode::kNone);
  return opened.log;
}

// Appends one batch of `records` records as a leader in `epoch`.
AppendResult append(Log& log, int32_t epoch, int32_t records = 5) {
  auto payload = testing::make_batches(1, records, kNow - 1000);
  return log.append(payload.bytes, payload.headers, epoch, kNow);
}

// The batches of `log` from `offset` (to the end, or what one read returns with `one_read`),
// as a follower would fetch them, validated as the broker validates fetched data.
testing::Payload fetch(const Log& log, int64_t offset, bool one_read = false) {
  testing::Payload payload;
  for (int reads = 0; offset < log.log_end_offset() && !(one_read && reads == 1); ++reads) {
    const auto read = log.read(offset, 1 << 20, true, log.log_end_offset());
    if (!read.slice) break;
    const auto bytes = read_slice(*read.slice);
    payload.bytes.insert(payload.bytes.end(), bytes.begin(), bytes.end());
    offset = parse_all(bytes).back().last_offset() + 1;
  }
  EXPECT_EQ(protocol::validate_batches(payload.bytes, {1 << 20}, payload.headers),
            ErrorCode::kNone);
  return payload;
}

// A leader log with epochs 0, 0, 2 and 5, five records a batch: {0: 0, 2: 10, 5: 15}.
std::shared_ptr<Log> leader_log(const std::string& dir) {
  auto log = open_log(dir);
  for (int32_t epoch : {0, 0, 2, 5})
    EXPECT_EQ(append(*log, epoch).error, ErrorCode::kNone);
  return log;
}

TEST(LogEpochsTest, AppendStartsAnEpochAtItsFirstOffset) {
  TempDir dir;
  auto log = open_log(dir / "t-0");
  EXPECT_EQ(log->latest_epoch(), kUndefinedEpoch);
  EXPECT_EQ(log->end_offset_for_epoch(0), (EpochEndOffset{-1, -1}));
  log = leader_log(dir / "t-1");
  EXPECT_EQ(log->epoch_entries(), (Entries{{0, 0}, {2, 10}, {5, 15}}));
  EXPECT_EQ(log->latest_epoch(), 5);
  ASSERT_EQ(append(*log, 3).error, ErrorCode::kNone);  // a stale epoch starts nothing
  EXPECT_EQ(log->epoch_entries(), (Entries{{0, 0}, {2, 10}, {5, 15}}));
  EXPECT_TRUE(std::filesystem::exists(checkpoint_in(dir / "t-1")));

  EXPECT_EQ(log->end_offset_for_epoch(5), (EpochEndOffset{5, 25}));  // latest: the log end
  EXPECT_EQ(log->end_offset_for_epoch(0), (EpochEndOffset{0, 10}));
  EXPECT_EQ(log->end_offset_for_epoch(1), (EpochEndOffset{0, 10}));
  EXPECT_EQ(log->end_offset_for_epoch(4), (EpochEndOffset{2, 15}));
  EXPECT_EQ(log->end_offset_for_epoch(6), (EpochEndOffset{-1, -1}));
  EXPECT_EQ(log->end_offset_for_epoch(-1), (EpochEndOffset{-1, -1}));
}

TEST(LogEpochsTest, FollowerAppendKeepsOffsetsEpochsAndBytes) {
  TempDir dir;
  auto leader = leader_log(dir / "leader-0");
  auto follower = open_log(dir / "follower-0");
  auto fetched = fetch(*leader, 0);
  const auto sent = fetched.bytes;
  ASSERT_EQ(fetched.headers.size(), 4u);
  const auto result = follower->append_as_follower(fetched.bytes, fetched.headers);
  ASSERT_EQ(result.error, ErrorCode::kNone);
  EXPECT_EQ(result.base_offset, 0);
  EXPECT_EQ(result.last_offset, 19);
  EXPECT_EQ(follower->log_end_offset(), 20);
  EXPECT_EQ(follower->epoch_entries(), (Entries{{0, 0}, {2, 10}, {5, 15}}));
  EXPECT_EQ(fetch(*follower, 0).bytes, sent);  // stored byte for byte as the leader has them

  // The next fetch continues at the follower's end.
  ASSERT_EQ(append(*leader, 7).error, ErrorCode::kNone);
  fetched = fetch(*leader, 20);
  ASSERT_EQ(follower->append_as_follower(fetched.bytes, fetched.headers).error, ErrorCode::kNone);
  EXPECT_EQ(follower->log_end_offset(), 25);
  EXPECT_EQ(follower->epoch_entries(), leader->epoch_entries());
}

TEST(LogEpochsTest, FollowerAppendRollsSegments) {
  TempDir dir;
  auto leader = open_log(dir / "leader-0");
  for (int i = 0; i < 40; ++i)
    ASSERT_EQ(append(*leader, i / 10).error, ErrorCode::kNone);
  auto follower = open_log(dir / "follower-0");
  for (int64_t offset = 0; offset < leader->log_end_offset();) {
    auto fetched = fetch(*leader, offset, /*one_read=*/true);
    ASSERT_EQ(follower->append_as_follower(fetched.bytes, fetched.headers).error, ErrorCode::kNone);
    offset = follower->log_end_offset();
  }
  EXPECT_EQ(follower->log_end_offset(), 200);
  EXPECT_GT(follower->segment_count(), 3u);
  EXPECT_EQ(follower->epoch_entries(), leader->epoch_entries());
  for (int64_t offset : {0, 57, 123, 199}) {  // the indexes find every batch
    const auto read = follower->read(offset, 1 << 20, true, 200);
    ASSERT_TRUE(read.slice);
    const auto headers = parse_all(read_slice(*read.slice));
    EXPECT_LE(headers.front().base_offset, offset);
    EXPECT_GE(headers.front().last_offset(), offset);
  }
}

TEST(LogEpochsTest, FollowerAppendBelowTheEndOrOutOfOrderIsRefusedWhole) {
  TempDir dir;
  auto leader = leader_log(dir / "leader-0");
  auto follower = open_log(dir / "follower-0");
  auto fetched = fetch(*leader, 0);
  ASSERT_EQ(follower->append_as_follower(fetched.bytes, fetched.headers).error, ErrorCode::kNone);
  const int64_t size = follower->size_bytes();

  // The same batches again: below the log end (Kafka's UnexpectedAppendOffsetException).
  auto again = fetch(*leader, 10);
  EXPECT_EQ(follower->append_as_follower(again.bytes, again.headers).error,
            ErrorCode::kUnknownServerError);

  // A valid first batch, then one going backwards (Kafka's OffsetsOutOfOrderException).
  ASSERT_EQ(append(*leader, 6).error, ErrorCode::kNone);
  auto next = fetch(*leader, 20);
  auto old = fetch(*leader, 0);
  next.bytes.insert(next.bytes.end(), old.bytes.begin(), old.bytes.end());
  next.headers.insert(next.headers.end(), old.headers.begin(), old.headers.end());
  EXPECT_EQ(follower->append_as_follower(next.bytes, next.headers).error,
            ErrorCode::kUnknownServerError);

  // Nothing of either was written, and no epoch was started.
  EXPECT_EQ(follower->log_end_offset(), 20);
  EXPECT_EQ(follower->size_bytes(), size);
  EXPECT_EQ(follower->latest_epoch(), 5);

  // Empty or inconsistent input (a caller bug) is refused too.
  EXPECT_EQ(follower->append_as_follower({}, {}).error, ErrorCode::kCorruptMessage);
  auto short_payload = fetch(*leader, 20);
  short_payload.bytes.pop_back();
  EXPECT_EQ(follower->append_as_follower(short_payload.bytes, short_payload.headers).error,
            ErrorCode::kCorruptMessage);
  EXPECT_EQ(follower->log_end_offset(), 20);
}

TEST(LogEpochsTest, FollowerAppendAcceptsAGapAboveTheEnd) {
  // A compacted leader log has offset gaps: the batch after the follower's end may start later.
  TempDir dir;
  auto leader = leader_log(dir / "leader-0");
  auto follower = open_log(dir / "follower-0");
  auto fetched = fetch(*leader, 10);  // batches at 10 and 15; the follower is at 0
  ASSERT_EQ(follower->append_as_follower(fetched.bytes, fetched.headers).error, ErrorCode::kNone);
  EXPECT_EQ(follower->log_end_offset(), 20);
  EXPECT_EQ(follower->epoch_entries(), (Entries{{2, 10}, {5, 15}}));
  const auto read = follower->read(3, 1 << 20, true, 20);  // in the gap: the next batch
  ASSERT_TRUE(read.slice);
  EXPECT_EQ(parse_all(read_slice(*read.slice)).front().base_offset, 10);
}

TEST(LogEpochsTest, TruncationDropsEpochsPastTheNewEnd) {
  TempDir dir;
  auto log = leader_log(dir / "t-0");
  ASSERT_EQ(log->truncate_to(15), ErrorCode::kNone);
  EXPECT_EQ(log->epoch_entries(), (Entries{{0, 0}, {2, 10}}));
  EXPECT_EQ(log->end_offset_for_epoch(2), (EpochEndOffset{2, 15}));
  ASSERT_EQ(append(*log, 6).error, ErrorCode::kNone);  // a new leader writes on from 15
  EXPECT_EQ(log->epoch_entries(), (Entries{{0, 0}, {2, 10}, {6, 15}}));
  // Inside epoch 2's only batch: the whole batch goes, and with it the epoch.
  ASSERT_EQ(log->truncate_to(12), ErrorCode::kNone);
  EXPECT_EQ(log->log_end_offset(), 10);
  EXPECT_EQ(log->epoch_entries(), (Entries{{0, 0}}));
  EXPECT_EQ(log->end_offset_for_epoch(0), (EpochEndOffset{0, 10}));
}

TEST(LogEpochsTest, LogStartMovesTruncateFromTheStart) {
  TempDir dir;
  auto log = leader_log(dir / "t-0");
  ASSERT_EQ(log->advance_log_start_offset(12), ErrorCode::kNone);  // DeleteRecords
  EXPECT_EQ(log->epoch_entries(), (Entries{{2, 12}, {5, 15}}));
  ASSERT_EQ(log->advance_log_start_offset(15), ErrorCode::kNone);
  EXPECT_EQ(log->epoch_entries(), (Entries{{5, 15}}));
  EXPECT_EQ(log->end_offset_for_epoch(2), (EpochEndOffset{2, 15}));  // below every epoch
}

TEST(LogEpochsTest, RetentionTruncatesFromTheStart) {
  TempDir dir;
  auto log = open_log(dir / "t-0");
  for (int i = 0; i < 40; ++i)
    ASSERT_EQ(append(*log, i / 10).error, ErrorCode::kNone);
  ASSERT_GT(log->segment_count(), 3u);
  ASSERT_EQ(log->advance_log_start_offset(120), ErrorCode::kNone);
  ASSERT_GT(log->delete_expired_segments(kNow), 0);
  const auto entries = log->epoch_entries();
  ASSERT_FALSE(entries.empty());
  EXPECT_EQ(entries.front().start_offset, log->log_start_offset());
  EXPECT_EQ(entries.back(), (EpochEntry{3, 150}));
}

TEST(LogEpochsTest, TruncatingBelowTheFirstSegmentClearsEpochs) {
  TempDir dir;
  auto log = open_log(dir / "t-0");
  for (int i = 0; i < 40; ++i)
    ASSERT_EQ(append(*log, i / 10).error, ErrorCode::kNone);
  ASSERT_EQ(log->advance_log_start_offset(120), ErrorCode::kNone);
  ASSERT_GT(log->delete_expired_segments(kNow), 0);
  const int64_t first_base = log->segment_snapshot().front()->base_offset();
  ASSERT_GT(first_base, 0);
  ASSERT_EQ(log->truncate_to(first_base - 1), ErrorCode::kNone);
  EXPECT_EQ(log->log_end_offset(), first_base - 1);
  EXPECT_TRUE(log->epoch_entries().empty());
  EXPECT_EQ(log->latest_epoch(), kUndefinedEpoch);
}

TEST(LogEpochsTest, RestartKeepsTheCheckpoint) {
  TempDir dir;
  {
    auto log = leader_log(dir / "t-0");
    ASSERT_EQ(log->close(), ErrorCode::kNone);
  }
  // A file that disagrees with the batches shows that the file, not the batches, was read.
  std::ofstream(checkpoint_in(dir / "t-0")) << "0\n2\n1 0\n4 10\n";
  auto log = open_log(dir / "t-0");
  EXPECT_EQ(log->epoch_entries(), (Entries{{1, 0}, {4, 10}}));
}

TEST(LogEpochsTest, RestartRebuildsAMissingOrCorruptCheckpointFromTheBatches) {
  TempDir dir;
  {
    auto log = leader_log(dir / "t-0");
    ASSERT_EQ(log->close(), ErrorCode::kNone);
  }
  const auto checkpoint = checkpoint_in(dir / "t-0");
  std::filesystem::remove(checkpoint);
  {
    auto log = open_log(dir / "t-0");
    EXPECT_EQ(log->epoch_entries(), (Entries{{0, 0}, {2, 10}, {5, 15}}));
    ASSERT_EQ(log->close(), ErrorCode::kNone);
  }
  EXPECT_TRUE(std::filesystem::exists(checkpoint));
  std::ofstream(checkpoint) << "0\n7\ngarbage\n";
  auto log = open_log(dir / "t-0");
  EXPECT_EQ(log->epoch_entries(), (Entries{{0, 0}, {2, 10}, {5, 15}}));

  // An empty log without a checkpoint stays without one.
  auto empty = open_log(dir / "e-0");
  EXPECT_FALSE(std::filesystem::exists(checkpoint_in(dir / "e-0")));
}

TEST(LogEpochsTest, RecoveryOfATornTailDropsTheEpochsPastTheEnd) {
  TempDir dir;
  std::string last_segment;
  {
    auto log = leader_log(dir / "t-0");
    last_segment = log->segment_snapshot().back()->log_path();
    ASSERT_EQ(log->close(), ErrorCode::kNone);
  }
  // A crash tore the last batch (epoch 5, offsets 15-19): the checkpoint still names epoch 5.
  const auto size = std::filesystem::file_size(last_segment);
  ASSERT_EQ(::truncate(last_segment.c_str(), static_cast<off_t>(size - 10)), 0);
  auto log = open_log(dir / "t-0", /*recover=*/true);
  EXPECT_EQ(log->log_end_offset(), 15);
  EXPECT_EQ(log->epoch_entries(), (Entries{{0, 0}, {2, 10}}));
  EXPECT_EQ(log->end_offset_for_epoch(2), (EpochEndOffset{2, 15}));
}

}  // namespace
}  // namespace gregor::storage
