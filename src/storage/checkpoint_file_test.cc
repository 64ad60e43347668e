#include "storage/checkpoint_file.h"

#include <gtest/gtest.h>

#include "storage/file_util.h"
#include "storage/testing_batches.h"
#include "storage/topic_partition.h"

namespace gregor::storage {
namespace {

using testing::TempDir;

TEST(CheckpointFileTest, RoundTripInKafkasFormat) {
  TempDir dir;
  const std::string path = dir / kRecoveryPointCheckpoint;
  OffsetMap offsets{{{"orders", 0}, 1234}, {{"my-topic-v2", 11}, 0}};
  ASSERT_TRUE(write_checkpoint(path, offsets));
  std::string text;
  ASSERT_EQ(read_small_file(Env::posix(), path, text), ReadStatus::kOk);
  EXPECT_EQ(text, "0\n2\nmy-topic-v2 11 0\norders 0 1234\n");
  auto read = read_checkpoint(path);
  EXPECT_EQ(read.status, CheckpointStatus::kOk);
  EXPECT_EQ(read.offsets, offsets);
  EXPECT_FALSE(std::filesystem::exists(path + ".tmp"));
}

TEST(CheckpointFileTest, EmptyAndMissing) {
  TempDir dir;
  EXPECT_EQ(read_checkpoint(dir / "absent").status, CheckpointStatus::kMissing);
  ASSERT_TRUE(write_checkpoint(dir / "empty", {}));
  auto read = read_checkpoint(dir / "empty");
  EXPECT_EQ(read.status, CheckpointStatus::kOk);
  EXPECT_TRUE(read.offsets.empty());
}

TEST(CheckpointFileTest, CorruptFilesAreRejected) {
  TempDir dir;
  const std::string path = dir / "cp";
  for (const char* text :
       {"", "1\n0\n", "0\n2\nt 0 5\n", "0\n1\nt x 5\n", "0\n1\nt 0\n", "0\n1\nt 0 5 9\n",
        "0\n1\nt 0 5z\n", "0\n2\nt 0 5\nt 0 6\n", "0\n1\nt -1 5\n", "garbage"}) {
    ASSERT_TRUE(write_file_atomically(Env::posix(), path, text));
    EXPECT_EQ(read_checkpoint(path).status, CheckpointStatus::kCorrupt) << text;
  }
}

TEST(TopicPartitionTest, DirectoryNames) {
  EXPECT_EQ(log_dir_name({"orders", 3}), "orders-3");
  auto parsed = parse_log_dir_name("my-topic-with-dashes-12");
  ASSERT_TRUE(parsed);
  EXPECT_EQ(parsed->topic, "my-topic-with-dashes");
  EXPECT_EQ(parsed->partition, 12);
  for (const char* bad : {"__metadata", "-3", "topic-", "topic-x", "topic-1.abcdef-delete",
                          "topic-99999999999", "topic-+1"}) {
    EXPECT_FALSE(parse_log_dir_name(bad)) << bad;
  }
}

}  // namespace
}  // namespace gregor::storage
