// EmbeddedMetadataStore: the default MetadataStore backend, for a single broker with nothing
// else to run. The whole tree lives in memory; every mutation is appended to a journal and
// fsync'ed before the call returns, and the journal is folded into a snapshot when it grows past
// Options::compact_journal_bytes. Files live in <dir>/__metadata/ (format and crash-safety
// argument: docs/formats/metadata-store.md).
//
//   std::string error;
//   auto store = EmbeddedMetadataStore::open(log_dir, error);
//   if (!store) return fail("metadata store: " + error);
//   store->create_recursive("/brokers/ids", "");
//   store->create("/brokers/ids/1", registration_json, CreateMode::kEphemeral);
//
// The store is one ZooKeeper-like session: its ephemeral nodes live until the object is
// destroyed (or expire_session()), and are gone when the directory is opened again.
//
// Thread-safety: all methods may be called concurrently; one mutex serialises them, including
// the journal fsync and any compaction, so a mutation's latency is one fsync (plus, rarely, a
// snapshot write). Watchers run on the mutating thread after the lock is released.
//
// I/O failure: if a journal write or fsync fails, the mutation is rolled back in memory and
// kIoError returned; from then on every mutation returns kIoError (reads still work), because
// what reached the disk is unknown. Reopening the directory recovers the durable state, which
// may or may not include that last mutation (like ZooKeeper's kConnectionLoss).
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "cluster/metadata_store.h"
#include "common/env.h"

namespace gregor::cluster {

class EmbeddedMetadataStore final : public MetadataStore {
 public:
  struct Options {
    // Compact (snapshot + fresh journal) once the journal holds this many bytes.
    uint64_t compact_journal_bytes = 8 << 20;
    // The file system the store's files live on; null for the real one (Env::posix()).
    Env* env = nullptr;
  };

  // Opens (creating if needed) the store persisted in `<dir>/__metadata/`: loads the snapshot,
  // replays the journal up to the first torn or corrupt record, drops ephemeral nodes, and
  // compacts. Returns null and sets `error` if the directory cannot be used or the snapshot is
  // corrupt (it is only ever replaced atomically, so that means damage, not a crash).
  static std::unique_ptr<EmbeddedMetadataStore> open(const std::string& dir, std::string& error);
  static std::unique_ptr<EmbeddedMetadataStore> open(const std::string& dir, const Options& options,
                                                     std::string& error);

  ~EmbeddedMetadataStore() override;
  EmbeddedMetadataStore(const EmbeddedMetadataStore&) = delete;
  EmbeddedMetadataStore& operator=(const EmbeddedMetadataStore&) = delete;

  StoreError create(const std::string& path, std::string data, CreateMode mode,
                    std::string* created_path = nullptr) override;
  StoreError create_recursive(const std::string& path, std::string data) override;
  StoreError get(const std::string& path, std::string& data, Stat* stat = nullptr,
                 Watcher watch = {}) override;
  StoreError set(const std::string& path, std::string data, int32_t expected_version = -1,
                 Stat* stat = nullptr) override;
  StoreError remove(const std::string& path, int32_t expected_version = -1) override;
  StoreError remove_recursive(const std::string& path) override;
  StoreError exists(const std::string& path, Stat* stat = nullptr, Watcher watch = {}) override;
  StoreError children(const std::string& path, std::vector<std::string>& names,
                      Watcher watch = {}) override;
  StoreError multi(const std::vector<StoreOp>& ops,
                   std::vector<OpResult>* results = nullptr) override;

  // Ends the session as a ZooKeeper session expiry would: removes every ephemeral node, firing
  // their watches. Lets single-process tests exercise broker and controller failover.
  StoreError expire_session();

  // Bytes in the current journal (resets to 0 on compaction). For tests and metrics.
  uint64_t journal_bytes() const;

 private:
  struct State;  // the tree, watch tables and journal; defined in the .cc
  explicit EmbeddedMetadataStore(std::unique_ptr<State> state);

  std::unique_ptr<State> state_;
};

}  // namespace gregor::cluster
