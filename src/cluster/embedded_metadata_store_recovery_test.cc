// Persistence and crash recovery of EmbeddedMetadataStore: reopen, ephemeral cleanup, torn and
// corrupt journal tails, compaction, leftovers of an interrupted compaction, corrupt snapshots
// and journal write failures (docs/formats/metadata-store.md).
#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/resource.h>
#include <unistd.h>

#include <csignal>
#include <filesystem>
#include <fstream>

#include "cluster/embedded_metadata_store.h"
#include "cluster/testing_store.h"
#include "common/testing_env.h"

namespace gregor::cluster {
namespace {

using E = StoreError;
namespace fs = std::filesystem;

class EmbeddedMetadataStoreRecoveryTest : public testing::EmbeddedStoreFixture {
 protected:
  // For the tests that open the store on it; outlives the store (reset in TearDown).
  FaultInjectionEnv env_;

  std::string meta_dir() const { return dir_ + "/__metadata"; }

  // The one journal file the store is appending to.
  std::string journal_path() const {
    std::vector<std::string> journals;
    for (const auto& entry : fs::directory_iterator(meta_dir())) {
      if (entry.path().filename().string().starts_with("journal-")) {
        journals.push_back(entry.path());
      }
    }
    EXPECT_EQ(journals.size(), 1u);
    return journals.empty() ? "" : journals[0];
  }

  // Creates /a, /b, /c (one journal record each); returns the journal size after each.
  std::vector<uint64_t> write_three_records() {
    std::vector<uint64_t> ends;
    for (const char* path : {"/a", "/b", "/c"}) {
      EXPECT_EQ(store_->create(path, std::string(40, path[1]), CreateMode::kPersistent), E::kOk);
      ends.push_back(store_->journal_bytes());
    }
    return ends;
  }
};

TEST_F(EmbeddedMetadataStoreRecoveryTest, EverythingSurvivesReopen) {
  ASSERT_EQ(store_->create_recursive("/brokers/topics/t", "{\"partitions\":{}}"), E::kOk);
  ASSERT_EQ(store_->set("/brokers/topics/t", "v1"), E::kOk);
  ASSERT_EQ(store_->set("/brokers/topics/t", std::string("bin\0ary", 7)), E::kOk);
  ASSERT_EQ(store_->create("/gone", "", CreateMode::kPersistent), E::kOk);
  ASSERT_EQ(store_->remove("/gone"), E::kOk);
  ASSERT_EQ(store_->multi({StoreOp::create("/m", "m"), StoreOp::set("/", "root")}), E::kOk);
  Stat before;
  ASSERT_EQ(store_->exists("/brokers/topics/t", &before), E::kOk);

  reopen();
  Stat after;
  std::string data;
  ASSERT_EQ(store_->get("/brokers/topics/t", data, &after), E::kOk);
  EXPECT_EQ(data, std::string("bin\0ary", 7));
  EXPECT_EQ(after.version, 2);
  EXPECT_EQ(after.ctime_ms, before.ctime_ms);
  EXPECT_EQ(after.mtime_ms, before.mtime_ms);
  EXPECT_EQ(store_->exists("/gone"), E::kNoNode);
  EXPECT_EQ(get("/m"), "m");
  EXPECT_EQ(get("/"), "root");
  ASSERT_EQ(store_->exists("/", &after), E::kOk);
  EXPECT_EQ(after.cversion, 4);  // brokers, gone, -gone, m
}

TEST_F(EmbeddedMetadataStoreRecoveryTest, EphemeralNodesDoNotSurviveReopen) {
  ASSERT_EQ(store_->create("/ids", "", CreateMode::kPersistent), E::kOk);
  ASSERT_EQ(store_->create("/ids/1", "", CreateMode::kEphemeral), E::kOk);
  std::string first;
  ASSERT_EQ(store_->create("/ids/s-", "", CreateMode::kEphemeralSequential, &first), E::kOk);
  ASSERT_EQ(store_->create("/ids/keep", "", CreateMode::kPersistent), E::kOk);
  reopen();
  std::vector<std::string> names;
  ASSERT_EQ(store_->children("/ids", names), E::kOk);
  EXPECT_EQ(names, std::vector<std::string>{"keep"});
  // Their removal advanced the counter, as a session expiry does: no sequential name is reused.
  std::string next;
  ASSERT_EQ(store_->create("/ids/s-", "", CreateMode::kPersistentSequential, &next), E::kOk);
  EXPECT_EQ(first, "/ids/s-0000000001");
  EXPECT_EQ(next, "/ids/s-0000000005");
  reopen();
  EXPECT_EQ(store_->exists(next), E::kOk);
}

TEST_F(EmbeddedMetadataStoreRecoveryTest, TornJournalTailKeepsEveryRecordBeforeIt) {
  // A crash mid-append leaves the last record cut short: in its payload or in its header.
  for (uint64_t into_third : {20u, 3u}) {
    SCOPED_TRACE(into_third);
    std::vector<uint64_t> ends = write_three_records();
    std::string journal = journal_path();
    store_.reset();
    ASSERT_EQ(::truncate(journal.c_str(), static_cast<off_t>(ends[1] + into_third)), 0);
    reopen();
    EXPECT_EQ(get("/a"), std::string(40, 'a'));
    EXPECT_EQ(get("/b"), std::string(40, 'b'));
    EXPECT_EQ(store_->exists("/c"), E::kNoNode);
    EXPECT_FALSE(fs::exists(journal + ".corrupt"));  // a torn tail is a crash, not damage
    // The store carries on from the recovered state.
    ASSERT_EQ(store_->create("/c", "new", CreateMode::kPersistent), E::kOk);
    reopen();
    EXPECT_EQ(get("/c"), "new");
    ASSERT_EQ(store_->multi({StoreOp::remove("/a"), StoreOp::remove("/b"), StoreOp::remove("/c")}),
              E::kOk);
  }
}

TEST_F(EmbeddedMetadataStoreRecoveryTest, CorruptRecordDropsItAndEverythingAfter) {
  std::vector<uint64_t> ends = write_three_records();
  std::string journal = journal_path();
  store_.reset();
  {
    std::fstream file(journal, std::ios::in | std::ios::out | std::ios::binary);
    file.seekp(static_cast<std::streamoff>(ends[0] + 40));  // inside /b's data
    file.put('X');
  }
  reopen();
  EXPECT_EQ(get("/a"), std::string(40, 'a'));
  EXPECT_EQ(store_->exists("/b"), E::kNoNode);
  EXPECT_EQ(store_->exists("/c"), E::kNoNode);    // intact, but after the corrupt record
  EXPECT_TRUE(fs::exists(journal + ".corrupt"));  // kept for forensics
}

TEST_F(EmbeddedMetadataStoreRecoveryTest, ZeroedTailIsACrashNotDamage) {
  write_three_records();
  std::string journal = journal_path();
  store_.reset();
  // The file grew but the data never reached the disk: zeros where the next record would be.
  std::ofstream(journal, std::ios::app | std::ios::binary) << std::string(64, '\0');
  reopen();
  EXPECT_EQ(get("/c"), std::string(40, 'c'));
  EXPECT_FALSE(fs::exists(journal + ".corrupt"));
}

TEST_F(EmbeddedMetadataStoreRecoveryTest, MissingSnapshotWithJournalRefusesToOpen) {
  ASSERT_EQ(store_->create("/a", "a", CreateMode::kPersistent), E::kOk);
  store_.reset();
  fs::remove(meta_dir() + "/snapshot");
  std::string error;
  EXPECT_FALSE(EmbeddedMetadataStore::open(dir_, error));
  EXPECT_NE(error.find("missing"), std::string::npos) << error;
}

TEST_F(EmbeddedMetadataStoreRecoveryTest, CompactionKeepsEverythingAcrossReopen) {
  EmbeddedMetadataStore::Options small;
  small.compact_journal_bytes = 2048;
  reopen(small);
  ASSERT_EQ(store_->create("/t", "", CreateMode::kPersistent), E::kOk);
  uint64_t peak = 0;
  for (int i = 0; i < 200; ++i) {
    std::string path = "/t/n" + std::to_string(i);
    ASSERT_EQ(store_->create(path, std::string(30, 'x'), CreateMode::kPersistent), E::kOk);
    ASSERT_EQ(store_->set(path, "value " + std::to_string(i)), E::kOk);
    peak = std::max(peak, store_->journal_bytes());
  }
  EXPECT_LT(peak, 2048u);  // compacted as it went
  journal_path();          // exactly one journal: the old ones were removed
  EXPECT_TRUE(fs::exists(meta_dir() + "/snapshot"));

  reopen();
  std::vector<std::string> names;
  ASSERT_EQ(store_->children("/t", names), E::kOk);
  EXPECT_EQ(names.size(), 200u);
  Stat stat;
  std::string data;
  ASSERT_EQ(store_->get("/t/n123", data, &stat), E::kOk);
  EXPECT_EQ(data, "value 123");
  EXPECT_EQ(stat.version, 1);
}

TEST_F(EmbeddedMetadataStoreRecoveryTest, LeftoversOfAnInterruptedCompactionAreIgnored) {
  ASSERT_EQ(store_->create("/a", "a", CreateMode::kPersistent), E::kOk);
  std::string journal = journal_path();
  store_.reset();
  // A crash after creating the next journal and a half-written snapshot, before the rename.
  std::ofstream(meta_dir() + "/journal-99999999999999999999") << "garbage";
  std::ofstream(meta_dir() + "/snapshot.tmp") << "half";
  reopen();
  EXPECT_EQ(get("/a"), "a");
  journal_path();  // the stray journal was removed
  EXPECT_FALSE(fs::exists(meta_dir() + "/snapshot.tmp"));

  // A crash after the new snapshot's rename, before the old journal's removal: the snapshot
  // names its own journal, so the older one is ignored whatever it holds.
  ASSERT_EQ(store_->set("/a", "b"), E::kOk);
  store_.reset();
  std::ofstream(meta_dir() + "/journal-00000000000000000000") << "stale records";
  reopen();
  EXPECT_EQ(get("/a"), "b");
  journal_path();
}

TEST_F(EmbeddedMetadataStoreRecoveryTest, CorruptSnapshotRefusesToOpen) {
  ASSERT_EQ(store_->create("/a", "a", CreateMode::kPersistent), E::kOk);
  reopen();  // /a is now in the snapshot
  store_.reset();
  {
    std::fstream file(meta_dir() + "/snapshot", std::ios::in | std::ios::out | std::ios::binary);
    file.seekp(30);
    file.put('\x7f');
  }
  std::string error;
  EXPECT_FALSE(EmbeddedMetadataStore::open(dir_, error));
  EXPECT_NE(error.find("corrupt snapshot"), std::string::npos) << error;
}

TEST_F(EmbeddedMetadataStoreRecoveryTest, OpenFailsWhenTheDirectoryIsUnusable) {
  std::ofstream(dir_ + "/file") << "x";
  std::string error;
  EXPECT_FALSE(EmbeddedMetadataStore::open(dir_ + "/file", error));
  EXPECT_FALSE(error.empty());
}

TEST_F(EmbeddedMetadataStoreRecoveryTest, JournalWriteFailureRefusesFurtherChanges) {
  ASSERT_EQ(store_->create("/a", "a", CreateMode::kPersistent), E::kOk);
  // A file-size limit makes the next journal append fail with EFBIG: a real write error.
  struct rlimit old_limit;
  ASSERT_EQ(::getrlimit(RLIMIT_FSIZE, &old_limit), 0);
  auto old_handler = std::signal(SIGXFSZ, SIG_IGN);
  struct rlimit limit = old_limit;
  limit.rlim_cur = store_->journal_bytes() + 100;
  ASSERT_EQ(::setrlimit(RLIMIT_FSIZE, &limit), 0);
  E big = store_->set("/a", std::string(1000, 'b'));
  ASSERT_EQ(::setrlimit(RLIMIT_FSIZE, &old_limit), 0);
  std::signal(SIGXFSZ, old_handler);

  EXPECT_EQ(big, E::kIoError);
  EXPECT_EQ(get("/a"), "a");  // rolled back in memory; reads still work
  EXPECT_EQ(store_->create("/b", "", CreateMode::kPersistent), E::kIoError);
  EXPECT_EQ(store_->exists("/b"), E::kNoNode);
  reopen();
  EXPECT_EQ(get("/a"), "a");
  EXPECT_EQ(store_->create("/b", "", CreateMode::kPersistent), E::kOk);
}

TEST_F(EmbeddedMetadataStoreRecoveryTest, AFailedJournalSyncIsNeitherAcknowledgedNorKept) {
  reopen({.env = &env_});
  ASSERT_EQ(store_->create("/a", "a", CreateMode::kPersistent), E::kOk);
  env_.fail(FaultInjectionEnv::Op::kFdatasync, EIO, 1);
  EXPECT_EQ(store_->create("/b", "b", CreateMode::kPersistent), E::kIoError);
  EXPECT_EQ(store_->exists("/b"), E::kNoNode);
  // The journal may now hold what was not synced: nothing more is accepted until reopened.
  EXPECT_EQ(store_->create("/c", "c", CreateMode::kPersistent), E::kIoError);
  reopen();
  EXPECT_EQ(get("/a"), "a");
  EXPECT_EQ(store_->exists("/b"), E::kNoNode);
  EXPECT_EQ(store_->exists("/c"), E::kNoNode);
}

TEST_F(EmbeddedMetadataStoreRecoveryTest, ACompactionThatCannotWriteItsSnapshotLosesNothing) {
  reopen({.compact_journal_bytes = 200, .env = &env_});
  ASSERT_EQ(store_->create("/a", std::string(50, 'a'), CreateMode::kPersistent), E::kOk);
  env_.fail(FaultInjectionEnv::Op::kRename, EIO, -1, "snapshot");
  // These fill the journal past the threshold: each compaction fails, the changes stand.
  for (const char* path : {"/b", "/c", "/d", "/e"})
    ASSERT_EQ(store_->create(path, std::string(80, path[1]), CreateMode::kPersistent), E::kOk);
  EXPECT_GT(env_.failures(), 0);
  env_.clear_failures();
  reopen();
  for (const char* path : {"/a", "/b", "/c", "/d", "/e"})
    EXPECT_EQ(store_->exists(path), E::kOk) << path;
}

TEST_F(EmbeddedMetadataStoreRecoveryTest, EveryChangeIsSyncedBeforeItIsAcknowledged) {
  reopen({.env = &env_});
  const int before = env_.syncs();
  ASSERT_EQ(store_->create("/a", "a", CreateMode::kPersistent), E::kOk);
  ASSERT_EQ(store_->set("/a", "b"), E::kOk);
  EXPECT_EQ(env_.syncs(), before + 2);
}

}  // namespace
}  // namespace gregor::cluster
