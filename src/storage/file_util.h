// Small file helpers shared by segments, indexes, checkpoints, the log manager and the metadata
// journal: whole reads and writes that retry on EINTR and short counts, directory fsync, atomic
// file replacement and Kafka's segment file names. Every call goes through the given Env.
// Stateless; callable from any thread.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "common/env.h"

namespace gregor::storage {

inline constexpr std::string_view kLogSuffix = ".log";
inline constexpr std::string_view kIndexSuffix = ".index";
inline constexpr std::string_view kTimeIndexSuffix = ".timeindex";
// Appended to a segment's file names by the cleaner: `.cleaned` while being written, `.swap`
// once complete and waiting to replace the segment; `.deleted` before removal.
inline constexpr char kCleanedSuffix[] = ".cleaned";
inline constexpr char kSwapSuffix[] = ".swap";
inline constexpr char kDeletedSuffix[] = ".deleted";

// "<dir>/<base offset as 20 zero-padded digits><suffix>", as Kafka names segment files.
std::string segment_file_path(const std::string& dir, int64_t base_offset, std::string_view suffix);

// The base offset encoded in a segment file name ("00000000000000000042.log" -> 42), or
// nullopt when `file_name` is not exactly 20 digits followed by `suffix`.
std::optional<int64_t> parse_segment_file_name(std::string_view file_name, std::string_view suffix);

// Writes all of [data, data + size) at `offset`. False (errno set) on any failure.
bool pwrite_all(Env& env, int fd, const void* data, size_t size, int64_t offset);

// Reads up to `size` bytes at `offset`; returns the count read (less only at end of file),
// or -1 on an I/O error.
int64_t pread_full(Env& env, int fd, void* data, size_t size, int64_t offset);

// The directory part of a path ("a/b/c" -> "a/b"; "c" -> ".").
std::string parent_dir(const std::string& path);

// Replaces `path` with `content` so that a crash leaves either the old or the new file, never a
// mix: writes `path`.tmp, fsyncs it, renames it over `path` and fsyncs the directory.
bool write_file_atomically(Env& env, const std::string& path, std::string_view content);

enum class ReadStatus { kOk, kMissing, kError };
// Reads a whole (small) file into `out`.
ReadStatus read_small_file(Env& env, const std::string& path, std::string& out);

// Current size of an open file, or -1 on error.
int64_t file_size(int fd);

}  // namespace gregor::storage
