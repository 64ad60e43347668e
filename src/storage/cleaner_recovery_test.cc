// A cleaning interrupted by a crash: whatever `.cleaned` / `.swap` / `.deleted` files it left,
// the next open either completes the swap (the `.log.swap` exists: the cleaned segment was
// complete; the segments merged into it are removed) or rolls it back, and the log reads
// consistently either way. Each crash point is tried with one segment per cleaned segment and
// with the whole log merged into one.
#include <filesystem>
#include <tuple>

#include <gtest/gtest.h>

#include "storage/cleaner.h"
#include "storage/file_util.h"
#include "storage/testing_records.h"

namespace gregor::storage {
namespace {

namespace fs = std::filesystem;
using namespace testing;

enum class CrashPoint {
  kWritingCleaned,   // only `.cleaned` files
  kRenamingToSwap,   // indexes `.swap`, log still `.cleaned`
  kSwapComplete,     // all three `.swap`
  kMergedRemoved,    // all three `.swap`, the other segments of the group renamed `.deleted`
  kRenamingOverLog,  // indexes renamed over the segment's, `.log.swap` left
};

// Renames the files of every segment but the first and the active one `.deleted`.
void rename_merged_away(const fs::path& dir) {
  for (const auto& entry : fs::directory_iterator(dir)) {
    const std::string name = entry.path().filename().string();
    if (name.starts_with("00000000000000000000") || name.starts_with("00000000000000000004")) {
      continue;
    }
    fs::rename(entry.path(), entry.path().string() + kDeletedSuffix);
  }
}

void fill(Log& log) {
  append(log, {{"k1", "a"}, {"k2", "b"}});
  append(log, {{"k1", "c"}});
  append(log, {{"k2", std::nullopt}});
  append(log, {{"k3", "d"}}, kNow);
}

class CleanerRecoveryTest : public ::testing::TestWithParam<std::tuple<CrashPoint, bool>> {};

TEST_P(CleanerRecoveryTest, OpenCompletesOrRollsBackTheSwap) {
  TempDir dir;
  const auto [point, merge] = GetParam();
  LogConfig config = compacted_config();
  std::vector<Entry> original, cleaned;
  {  // The same log twice: "done" is cleaned, "crashed" gets done's files as leftovers.
    auto done = open_log(dir / "done-0", config);
    auto crashed = open_log(dir / "crashed-0", config);
    fill(*done);
    fill(*crashed);
    original = read_all(*crashed);
    if (merge) {
      config.segment_bytes = 1 << 20;  // the three cleaned segments become one
      done->set_config(config);
    }
    KeyOffsetMap map(1 << 20);
    ASSERT_EQ(clean_log(*done, cleanable_range(*done, 0, kNow), map, kNow).error, ErrorCode::kNone);
    cleaned = read_all(*done);
    ASSERT_NE(cleaned, original);
    ASSERT_EQ(done->segment_count(), merge ? 2u : 4u);
    ASSERT_EQ(done->close(), ErrorCode::kNone);
    ASSERT_EQ(crashed->close(), ErrorCode::kNone);
  }
  // Log::swap_segments renames the rest of a merged group away before the `.swap` files.
  if (merge && (point == CrashPoint::kMergedRemoved || point == CrashPoint::kRenamingOverLog)) {
    rename_merged_away(dir / "crashed-0");
  }
  for (const auto& entry : fs::directory_iterator(dir / "done-0")) {
    const std::string name = entry.path().filename().string();
    if (name.starts_with("00000000000000000004")) continue;  // the active segment
    const bool is_log = name.ends_with(".log");
    std::string suffix = kSwapSuffix;
    if (point == CrashPoint::kWritingCleaned || (point == CrashPoint::kRenamingToSwap && is_log)) {
      suffix = kCleanedSuffix;
    }
    if (point == CrashPoint::kRenamingOverLog && !is_log) suffix = "";
    fs::copy_file(entry.path(), dir / ("crashed-0/" + name + suffix),
                  fs::copy_options::overwrite_existing);
  }
  auto reopened = Log::open(dir / "crashed-0", config, /*needs_recovery=*/true, 0);
  ASSERT_EQ(reopened.error, ErrorCode::kNone);
  const bool completed = point == CrashPoint::kSwapComplete ||
                         point == CrashPoint::kMergedRemoved ||
                         point == CrashPoint::kRenamingOverLog;
  EXPECT_EQ(read_all(*reopened.log), completed ? cleaned : original);
  EXPECT_EQ(reopened.log->log_end_offset(), 5);
  EXPECT_EQ(reopened.log->segment_count(), completed && merge ? 2u : 4u);
  for (const auto& entry : fs::directory_iterator(dir / "crashed-0")) {
    const std::string name = entry.path().filename().string();
    EXPECT_FALSE(name.ends_with(kSwapSuffix) || name.ends_with(kCleanedSuffix) ||
                 name.ends_with(kDeletedSuffix))
        << name;
  }
}

INSTANTIATE_TEST_SUITE_P(
    AllCrashPoints, CleanerRecoveryTest,
    ::testing::Combine(::testing::Values(CrashPoint::kWritingCleaned, CrashPoint::kRenamingToSwap,
                                         CrashPoint::kSwapComplete, CrashPoint::kMergedRemoved,
                                         CrashPoint::kRenamingOverLog),
                       ::testing::Bool()));

}  // namespace
}  // namespace gregor::storage
