// The logs of every partition this broker stores, across all `log.dirs`.
//
// On open, for each directory: takes its `.lock` (flock; a second process on the same directory
// fails), reads the recovery-point and log-start-offset checkpoints, and loads every
// `<topic>-<partition>` directory. After a clean shutdown (the `.kafka_cleanshutdown` marker is
// present and the recovery-point checkpoint reads fine) logs open without recovery; otherwise
// each log is recovered from its checkpointed recovery point (0 if unknown). The marker is then
// deleted, so a crash from here on means recovery at the next start.
//
// Who calls it: the Broker (open, periodic checkpoints on its background thread, shutdown on
// the main thread) and ReplicaManager (get/create/remove on network threads). Every method is
// thread-safe; none holds the manager's lock while doing log I/O except open and shutdown.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/error_code.h"
#include "storage/checkpoint_file.h"
#include "storage/log.h"
#include "storage/log_config.h"
#include "storage/topic_partition.h"

namespace gregor::storage {

inline constexpr char kCleanShutdownMarker[] = ".kafka_cleanshutdown";
inline constexpr char kLockFile[] = ".lock";

class LogManager {
 public:
  // Opens (creating if needed) every directory in `dirs` and loads the logs found. Loaded logs
  // get `defaults` until create() hands them their topic's config. nullptr with `error` set
  // when a directory cannot be created or locked, or a log cannot be loaded. Every file
  // operation of the manager and its logs goes through `env`.
  static std::unique_ptr<LogManager> open(const std::vector<std::string>& dirs, std::string& error,
                                          const LogConfig& defaults = {}, Env& env = Env::posix());
  // Releases the directory locks. Does not flush: call shutdown() for a clean stop.
  ~LogManager();
  LogManager(const LogManager&) = delete;
  LogManager& operator=(const LogManager&) = delete;

  // nullptr if this broker has no log for the partition.
  std::shared_ptr<Log> get(std::string_view topic, int32_t partition) const;
  // Creates the partition's log in the directory holding the fewest partitions; if it exists
  // already, gives it `config` and returns it. nullptr on an I/O error or after shutdown().
  std::shared_ptr<Log> create(const std::string& topic, int32_t partition, const LogConfig& config);
  // Forgets the log and renames its directory `<topic>-<p>.<uuid>-delete`; the files are
  // removed later by delete_pending_dirs() (or the next start). kUnknownTopicOrPartition if
  // there is none.
  ErrorCode remove(const std::string& topic, int32_t partition);
  std::vector<std::pair<TopicPartition, std::shared_ptr<Log>>> all() const;

  // Writes both checkpoint files of every directory. Called periodically
  // (log.flush.offset.checkpoint.interval.ms) and by shutdown().
  ErrorCode checkpoint_recovery_points();
  // The entries of checkpoint file `name` (`cleaner-offset-checkpoint`,
  // `replication-offset-checkpoint`) of every directory. A missing or corrupt file gives no
  // entries (logged when corrupt).
  OffsetMap read_checkpoints(const char* name) const;
  // Writes each directory's checkpoint file `name` with the entries of `offsets` whose log lives
  // in that directory; entries of partitions without a log are dropped.
  ErrorCode write_checkpoints(const char* name, const OffsetMap& offsets);
  // Flushes the logs whose flush.messages / flush.ms is due. For a background thread.
  void flush_due_logs(int64_t now_ms);
  // Retention, every log.retention.check.interval.ms on a background thread: removes the
  // expired segments of every log (Log::delete_expired_segments) and the directories of
  // removed logs. Returns the number of segments removed.
  int enforce_retention(int64_t now_ms);
  // Removes the `-delete` directories of logs removed since the last call. Background thread.
  void delete_pending_dirs();
  // Closes (seals and flushes) every log, writes the checkpoints and, in each directory whose
  // logs all flushed, the clean-shutdown marker; then releases the locks. Idempotent.
  ErrorCode shutdown();

  const std::vector<std::string>& dirs() const { return dir_paths_; }

 private:
  struct Entry {
    std::shared_ptr<Log> log;
    size_t dir;  // index into dirs_
  };
  struct Dir {
    std::string path;
    int lock_fd = -1;
  };

  explicit LogManager(Env& env) : env_(env) {}
  bool open_dir(size_t index, const LogConfig& defaults, std::string& error);
  size_t least_loaded_dir() const;  // under mutex_
  void release_locks();

  Env& env_;
  mutable std::mutex mutex_;  // guards logs_ and shut_down_
  std::map<TopicPartition, Entry> logs_;
  bool shut_down_ = false;
  std::vector<Dir> dirs_;
  std::vector<std::string> dir_paths_;
  std::mutex checkpoint_mutex_;               // serialises checkpoint writers
  std::mutex pending_mutex_;                  // guards pending_deletes_
  std::vector<std::string> pending_deletes_;  // renamed directories of removed logs
  std::mutex shutdown_mutex_;
};

}  // namespace gregor::storage
