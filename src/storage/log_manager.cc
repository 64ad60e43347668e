#include "storage/log_manager.h"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "storage/file_util.h"

namespace gregor::storage {

namespace fs = std::filesystem;

namespace {

bool ends_with(std::string_view s, std::string_view suffix) {
  return s.size() >= suffix.size() && s.substr(s.size() - suffix.size()) == suffix;
}

// Takes an exclusive flock on `<dir>/.lock`; -1 if another process (or manager) holds it.
int lock_dir(Env& env, const std::string& dir, std::string& error) {
  const std::string path = dir + "/" + kLockFile;
  const int fd = env.open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (fd < 0) {
    error = fmt::format("cannot open {}: {}", path, std::strerror(errno));
    return -1;
  }
  if (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
    error = fmt::format("log directory {} is in use by another process", dir);
    env.close(fd);
    return -1;
  }
  return fd;
}

}  // namespace

std::unique_ptr<LogManager> LogManager::open(const std::vector<std::string>& dirs,
                                             std::string& error, const LogConfig& defaults,
                                             Env& env) {
  if (dirs.empty()) {
    error = "no log directory configured";
    return nullptr;
  }
  std::unique_ptr<LogManager> manager(new LogManager(env));
  for (const auto& path : dirs) {
    std::error_code ec;
    fs::create_directories(path, ec);
    if (ec) {
      error = fmt::format("cannot create log directory {}: {}", path, ec.message());
      return nullptr;
    }
    manager->dirs_.push_back(Dir{path});
    manager->dir_paths_.push_back(path);
  }
  for (size_t i = 0; i < manager->dirs_.size(); ++i) {
    if (!manager->open_dir(i, defaults, error)) return nullptr;
  }
  return manager;
}

bool LogManager::open_dir(size_t index, const LogConfig& defaults, std::string& error) {
  Dir& dir = dirs_[index];
  dir.lock_fd = lock_dir(env_, dir.path, error);
  if (dir.lock_fd < 0) return false;
  const auto recovery = read_checkpoint(dir.path + "/" + kRecoveryPointCheckpoint, env_);
  auto starts = read_checkpoint(dir.path + "/" + kLogStartOffsetCheckpoint, env_);
  if (recovery.status == CheckpointStatus::kCorrupt) {
    spdlog::warn("{}: corrupt recovery-point checkpoint; recovering every log fully", dir.path);
  }
  if (starts.status == CheckpointStatus::kCorrupt) {
    spdlog::warn("{}: corrupt log-start-offset checkpoint; ignored", dir.path);
  }
  const std::string marker = dir.path + "/" + kCleanShutdownMarker;
  const bool marker_present = ::access(marker.c_str(), F_OK) == 0;
  const bool clean = marker_present && recovery.status == CheckpointStatus::kOk;
  std::error_code ec;
  size_t loaded = 0;
  for (const auto& entry : fs::directory_iterator(dir.path, ec)) {
    const std::string name = entry.path().filename().string();
    if (!entry.is_directory(ec)) continue;
    if (ends_with(name, "-delete")) {  // an interrupted delete: finish it
      env_.remove_all(entry.path().string());
      continue;
    }
    auto tp = parse_log_dir_name(name);
    if (!tp) continue;
    if (logs_.contains(*tp)) {
      error = fmt::format("duplicate log directories for {} in {}", name, dir.path);
      return false;
    }
    const auto rp = recovery.offsets.find(*tp);
    const auto start = starts.offsets.find(*tp);
    auto opened = Log::open(entry.path().string(), defaults, !clean,
                            rp == recovery.offsets.end() ? 0 : rp->second,
                            start == starts.offsets.end() ? -1 : start->second, env_);
    if (!opened.log) {
      error = fmt::format("cannot load log {}", entry.path().string());
      return false;
    }
    logs_.emplace(std::move(*tp), Entry{std::move(opened.log), index});
    ++loaded;
  }
  if (ec) {
    error = fmt::format("cannot list {}: {}", dir.path, ec.message());
    return false;
  }
  if (marker_present) {
    env_.unlink(marker);
    sync_dir(env_, dir.path);
  }
  // A directory no broker has used yet has no marker either: that is not a crash.
  const bool fresh =
      loaded == 0 && !marker_present && recovery.status == CheckpointStatus::kMissing;
  spdlog::info("log directory {} loaded: {} log{}, {}", dir.path, loaded, loaded == 1 ? "" : "s",
               fresh   ? "a new directory"
               : clean ? "clean shutdown"
                       : "unclean shutdown, recovered");
  return true;
}

LogManager::~LogManager() {
  release_locks();
}

void LogManager::release_locks() {
  for (auto& dir : dirs_) {
    if (dir.lock_fd >= 0) env_.close(dir.lock_fd);  // closing the descriptor drops the flock
    dir.lock_fd = -1;
  }
}

std::shared_ptr<Log> LogManager::get(std::string_view topic, int32_t partition) const {
  std::lock_guard lock(mutex_);
  auto it = logs_.find(TopicPartition{std::string(topic), partition});
  return it == logs_.end() ? nullptr : it->second.log;
}

size_t LogManager::least_loaded_dir() const {
  std::vector<size_t> counts(dirs_.size(), 0);
  for (const auto& [tp, entry] : logs_)
    ++counts[entry.dir];
  size_t best = 0;
  for (size_t i = 1; i < counts.size(); ++i) {
    if (counts[i] < counts[best]) best = i;
  }
  return best;
}

std::shared_ptr<Log> LogManager::create(const std::string& topic, int32_t partition,
                                        const LogConfig& config) {
  // Held across the open so two creators of one partition cannot race; a new log is empty,
  // so this is a few file creations.
  std::lock_guard lock(mutex_);
  if (shut_down_) return nullptr;
  TopicPartition tp{topic, partition};
  if (auto it = logs_.find(tp); it != logs_.end()) {
    it->second.log->set_config(config);
    return it->second.log;
  }
  const size_t dir = least_loaded_dir();
  const std::string path = dirs_[dir].path + "/" + log_dir_name(tp);
  // Recovery from 0: free for a new directory, safe for a stray old one.
  auto opened = Log::open(path, config, /*needs_recovery=*/true, 0, -1, env_);
  if (!opened.log) return nullptr;
  logs_.emplace(std::move(tp), Entry{opened.log, dir});
  return opened.log;
}

ErrorCode LogManager::remove(const std::string& topic, int32_t partition) {
  std::shared_ptr<Log> log;
  {
    std::lock_guard lock(mutex_);
    auto it = logs_.find(TopicPartition{topic, partition});
    if (it == logs_.end()) return ErrorCode::kUnknownTopicOrPartition;
    log = std::move(it->second.log);
    logs_.erase(it);
  }
  const ErrorCode error = log->rename_for_deletion();
  if (error == ErrorCode::kNone) {
    std::lock_guard lock(pending_mutex_);
    pending_deletes_.push_back(log->dir());
  }
  return error;
}

void LogManager::delete_pending_dirs() {
  std::vector<std::string> dirs;
  {
    std::lock_guard lock(pending_mutex_);
    dirs.swap(pending_deletes_);
  }
  for (const auto& dir : dirs) {
    if (env_.remove_all(dir) != 0) {
      spdlog::warn("cannot remove {}: {} (retried at the next start)", dir, std::strerror(errno));
    }
    sync_dir(env_, parent_dir(dir));
  }
}

int LogManager::enforce_retention(int64_t now_ms) {
  int removed = 0;
  for (const auto& [tp, log] : all())
    removed += std::max(0, log->delete_expired_segments(now_ms));
  delete_pending_dirs();
  return removed;
}

std::vector<std::pair<TopicPartition, std::shared_ptr<Log>>> LogManager::all() const {
  std::lock_guard lock(mutex_);
  std::vector<std::pair<TopicPartition, std::shared_ptr<Log>>> out;
  out.reserve(logs_.size());
  for (const auto& [tp, entry] : logs_)
    out.emplace_back(tp, entry.log);
  return out;
}

ErrorCode LogManager::checkpoint_recovery_points() {
  std::lock_guard checkpoint_lock(checkpoint_mutex_);
  std::vector<OffsetMap> recovery(dirs_.size()), starts(dirs_.size());
  {
    std::lock_guard lock(mutex_);
    for (const auto& [tp, entry] : logs_) {
      recovery[entry.dir].emplace(tp, entry.log->recovery_point());
      starts[entry.dir].emplace(tp, entry.log->log_start_offset());
    }
  }
  ErrorCode result = ErrorCode::kNone;
  for (size_t i = 0; i < dirs_.size(); ++i) {
    if (!write_checkpoint(dirs_[i].path + "/" + kRecoveryPointCheckpoint, recovery[i], env_) ||
        !write_checkpoint(dirs_[i].path + "/" + kLogStartOffsetCheckpoint, starts[i], env_)) {
      spdlog::error("cannot write the checkpoints of {}", dirs_[i].path);
      result = ErrorCode::kKafkaStorageError;
    }
  }
  return result;
}

OffsetMap LogManager::read_checkpoints(const char* name) const {
  OffsetMap offsets;
  for (const Dir& dir : dirs_) {
    const std::string path = dir.path + "/" + name;
    CheckpointRead read = read_checkpoint(path, env_);
    if (read.status == CheckpointStatus::kCorrupt) spdlog::warn("{}: corrupt; ignored", path);
    offsets.merge(read.offsets);
  }
  return offsets;
}

ErrorCode LogManager::write_checkpoints(const char* name, const OffsetMap& offsets) {
  std::lock_guard checkpoint_lock(checkpoint_mutex_);
  std::vector<OffsetMap> per_dir(dirs_.size());
  {
    std::lock_guard lock(mutex_);
    for (const auto& [tp, offset] : offsets) {
      if (auto it = logs_.find(tp); it != logs_.end()) per_dir[it->second.dir].emplace(tp, offset);
    }
  }
  ErrorCode result = ErrorCode::kNone;
  for (size_t i = 0; i < dirs_.size(); ++i) {
    if (!write_checkpoint(dirs_[i].path + "/" + name, per_dir[i], env_)) {
      spdlog::error("cannot write {}/{}", dirs_[i].path, name);
      result = ErrorCode::kKafkaStorageError;
    }
  }
  return result;
}

void LogManager::flush_due_logs(int64_t now_ms) {
  for (const auto& [tp, log] : all()) {
    if (log->flush_due(now_ms)) log->flush();
  }
}

ErrorCode LogManager::shutdown() {
  std::lock_guard shutdown_lock(shutdown_mutex_);
  std::vector<std::pair<std::shared_ptr<Log>, size_t>> logs;
  {
    std::lock_guard lock(mutex_);
    if (shut_down_) return ErrorCode::kNone;
    shut_down_ = true;
    for (const auto& [tp, entry] : logs_)
      logs.emplace_back(entry.log, entry.dir);
  }
  std::vector<bool> clean(dirs_.size(), true);
  for (const auto& [log, dir] : logs) {
    if (log->close() != ErrorCode::kNone) clean[dir] = false;
  }
  ErrorCode result = checkpoint_recovery_points();
  for (size_t i = 0; i < dirs_.size(); ++i) {
    if (!clean[i] || result != ErrorCode::kNone) continue;
    const std::string marker = dirs_[i].path + "/" + kCleanShutdownMarker;
    if (!write_file_atomically(env_, marker, "")) {
      spdlog::error("cannot write {}", marker);
      result = ErrorCode::kKafkaStorageError;
    }
  }
  release_locks();
  return result;
}

}  // namespace gregor::storage
