// The storage layer on a file system that fails: every call goes through an Env, and
// FaultInjectionEnv (common/testing_env.h) fails the ones each test names, with Kafka's answer
// checked: nothing that was not made durable is reported durable, a full disk refuses appends
// with KAFKA_STORAGE_ERROR while reads go on, and everything resumes once the disk recovers.
#include <gtest/gtest.h>

#include <filesystem>

#include "common/testing_env.h"
#include "storage/checkpoint_file.h"
#include "storage/file_util.h"
#include "storage/log.h"
#include "storage/testing_batches.h"

namespace gregor::storage {
namespace {

using Op = FaultInjectionEnv::Op;
using testing::make_batches;
using testing::parse_all;
using testing::Payload;
using testing::read_slice;
using testing::TempDir;
using testing::tiny_log_config;

constexpr int64_t kNow = 1'700'000'000'000;

class LogFaultsTest : public ::testing::Test {
 protected:
  std::shared_ptr<Log> open_log(const LogConfig& config = tiny_log_config()) {
    auto opened = Log::open(dir_ / "t-0", config, /*needs_recovery=*/false, 0, -1, env_);
    EXPECT_EQ(opened.error, ErrorCode::kNone);
    return opened.log;
  }
  AppendResult append(Log& log, int batches, int32_t records) {
    Payload payload = make_batches(batches, records, kNow - 1000);
    return log.append(payload.bytes, payload.headers, 0, kNow);
  }
  int64_t records_readable(const Log& log) {
    const auto read = log.read(0, 1 << 20, false, log.log_end_offset());
    if (!read.slice) return 0;
    int64_t count = 0;
    for (const auto& header : parse_all(read_slice(*read.slice)))
      count += header.record_count;
    return count;
  }

  TempDir dir_;
  FaultInjectionEnv env_;
};

TEST_F(LogFaultsTest, AFailedFsyncIsNeverReportedDurable) {
  auto log = open_log();
  ASSERT_EQ(append(*log, 1, 10).error, ErrorCode::kNone);
  env_.fail(Op::kFdatasync, EIO);
  EXPECT_EQ(log->flush(), ErrorCode::kKafkaStorageError);
  EXPECT_EQ(log->flushed_offset(), 0);
  EXPECT_EQ(log->recovery_point(), 0);
  EXPECT_GT(env_.failures(), 0);

  env_.clear_failures();
  EXPECT_EQ(log->flush(), ErrorCode::kNone);
  EXPECT_EQ(log->flushed_offset(), 10);
}

TEST_F(LogFaultsTest, AFullDiskRefusesAppendsWhileReadsGoOnAndAppendsResumeAfter) {
  auto log = open_log();
  ASSERT_EQ(append(*log, 2, 5).error, ErrorCode::kNone);
  env_.fail(Op::kPwrite, ENOSPC, -1, ".log");
  for (int i = 0; i < 3; ++i) {
    const auto refused = append(*log, 1, 5);
    EXPECT_EQ(refused.error, ErrorCode::kKafkaStorageError);
  }
  EXPECT_EQ(log->log_end_offset(), 10);  // no offset was spent on the refused appends
  EXPECT_EQ(records_readable(*log), 10);

  env_.clear_failures();
  const auto resumed = append(*log, 1, 5);
  ASSERT_EQ(resumed.error, ErrorCode::kNone);
  EXPECT_EQ(resumed.base_offset, 10);
  EXPECT_EQ(records_readable(*log), 15);
  EXPECT_EQ(log->flush(), ErrorCode::kNone);

  // What was refused left nothing behind: the log reopens with exactly the accepted records.
  log->close();
  log.reset();
  auto reopened = Log::open(dir_ / "t-0", tiny_log_config(), /*needs_recovery=*/true, 0, -1, env_);
  ASSERT_TRUE(reopened.log);
  EXPECT_EQ(reopened.log->log_end_offset(), 15);
}

TEST_F(LogFaultsTest, AFailedDirectorySyncAfterARollIsRetriedByTheNextFlush) {
  auto log = open_log();
  while (log->segment_count() < 2)
    ASSERT_EQ(append(*log, 1, 20).error, ErrorCode::kNone);
  // Segment files are synced with fdatasync, directories with fsync.
  env_.fail(Op::kFsync, EIO, 1);
  EXPECT_EQ(log->flush(), ErrorCode::kKafkaStorageError);
  const int64_t flushed_before = log->flushed_offset();
  EXPECT_LT(flushed_before, log->log_end_offset());
  const int syncs_before = env_.syncs();
  EXPECT_EQ(log->flush(), ErrorCode::kNone);
  EXPECT_EQ(log->flushed_offset(), log->log_end_offset());
  EXPECT_GT(env_.syncs(), syncs_before);
}

TEST_F(LogFaultsTest, ACheckpointSyncsItsFileAndItsDirectoryAndAFailedOneKeepsTheOld) {
  const std::string path = dir_ / "recovery-point-offset-checkpoint";
  ASSERT_TRUE(write_checkpoint(path, {{{"t", 0}, 5}}, env_));
  EXPECT_EQ(env_.syncs(), 2);  // the temporary file, then the directory after the rename

  env_.fail(Op::kRename, EIO);
  EXPECT_FALSE(write_checkpoint(path, {{{"t", 0}, 9}}, env_));
  EXPECT_EQ(read_checkpoint(path).offsets.at({"t", 0}), 5);
  EXPECT_FALSE(std::filesystem::exists(path + ".tmp"));

  env_.clear_failures();
  env_.fail(Op::kFsync, EIO, 1);  // the temporary file's
  EXPECT_FALSE(write_checkpoint(path, {{{"t", 0}, 9}}, env_));
  EXPECT_EQ(read_checkpoint(path).offsets.at({"t", 0}), 5);
}

TEST_F(LogFaultsTest, FailingReadsAreStorageErrorsNotCrashesOrWrongData) {
  auto log = open_log();
  ASSERT_EQ(append(*log, 3, 4).error, ErrorCode::kNone);
  ASSERT_EQ(log->flush(), ErrorCode::kNone);
  log->close();
  log.reset();
  env_.fail(Op::kPread, EIO, -1, ".log");
  // Recovery reads every batch: it cannot, and says so instead of cutting the log.
  auto reopened = Log::open(dir_ / "t-0", tiny_log_config(), /*needs_recovery=*/true, 0, -1, env_);
  EXPECT_EQ(reopened.error, ErrorCode::kKafkaStorageError);
  env_.clear_failures();
  reopened = Log::open(dir_ / "t-0", tiny_log_config(), /*needs_recovery=*/true, 0, -1, env_);
  ASSERT_TRUE(reopened.log);
  EXPECT_EQ(reopened.log->log_end_offset(), 12);
}

}  // namespace
}  // namespace gregor::storage
