// The on-disk side of EmbeddedMetadataStore: file names in <dir>/__metadata/, the journal record
// and snapshot encodings (little-endian, CRC32C), replay of a journal into a tree, and the
// helpers that write them durably, through an Env (common/env.h). Layout and crash-safety argument:
// docs/formats/metadata-store.md. Private to src/cluster: only the embedded store includes it.
// Stateless; the store decides when to write, sync, compact and replay.
//
//   std::string record = encode_record(txn_mutations);
//   if (record.empty() || !write_fully(env, journal_fd, record) || env.fdatasync(journal_fd)) ...
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "cluster/metadata_tree.h"
#include "common/env.h"

namespace gregor::cluster::metadata_internal {

// ---- Files (names and layout: docs/formats/metadata-store.md) -------------------------------

inline constexpr const char* kSnapshotName = "snapshot";
inline constexpr const char* kSnapshotTmpName = "snapshot.tmp";
inline constexpr std::string_view kJournalPrefix = "journal-";

// "journal-<generation as 20 zero-padded digits>".
std::string journal_name(uint64_t generation);

// Reads a whole file. Missing files are not an error: `found` tells.
bool read_file(Env& env, const std::string& path, std::string& out, bool& found);

// Writes `bytes` to `tmp`, fsyncs it and renames it over `path`. The caller fsyncs the directory.
bool write_and_rename(Env& env, const std::string& tmp, const std::string& path,
                      std::string_view bytes);

// ---- Records and snapshots ------------------------------------------------------------------

// A journal record: u32 payload length, u32 CRC32 of the payload, payload (one call's mutations).
// Empty if the payload would exceed the 1 GiB record limit.
std::string encode_record(const std::vector<Mutation>& mutations);

// The whole tree, and the generation of the journal that continues it.
std::string encode_snapshot(const Tree& tree, uint64_t generation);

// Clears `tree` and loads the snapshot `file` into it. False if the snapshot is corrupt in any
// way (wrong CRC, magic or format, a node whose parent is missing, ...).
bool decode_snapshot(std::string_view file, Tree& tree, uint64_t& generation);

// Applies the journal's records in order, stopping at the first torn or corrupt one. A crash
// can only damage the last record (and leave zeros after it); `damaged` is set when other
// bytes follow the bad record: the disk, not a crash, lost data. False, with `error`, if the file
// cannot be read or a record that passes its CRC does not apply to `tree` (only a bug does that).
bool replay_journal(Env& env, const std::string& path, Tree& tree, bool& damaged,
                    std::string& error);

}  // namespace gregor::cluster::metadata_internal
