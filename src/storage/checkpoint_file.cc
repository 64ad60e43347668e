#include "storage/checkpoint_file.h"

#include <fmt/format.h>

#include "storage/file_util.h"

namespace gregor::storage {

namespace {

// "topic partition offset"; the topic cannot contain spaces (Kafka's topic names cannot).
bool parse_entry(std::string_view line, OffsetMap& offsets) {
  const auto fields = split_fields(line);
  TopicPartition tp;
  int64_t offset = 0;
  if (fields.size() != 3 || fields[0].empty() || !parse_decimal(fields[1], tp.partition) ||
      !parse_decimal(fields[2], offset) || tp.partition < 0) {
    return false;
  }
  tp.topic = std::string(fields[0]);
  return offsets.emplace(std::move(tp), offset).second;
}

}  // namespace

std::vector<std::string_view> split_fields(std::string_view line, char separator) {
  std::vector<std::string_view> parts;
  size_t from = 0;
  for (size_t at; (at = line.find(separator, from)) != std::string_view::npos; from = at + 1) {
    parts.push_back(line.substr(from, at - from));
  }
  parts.push_back(line.substr(from));
  return parts;
}

CheckpointStatus read_checkpoint_entries(Env& env, const std::string& path,
                                         const std::function<bool(std::string_view)>& parse_entry) {
  std::string text;
  switch (read_small_file(env, path, text)) {
    case ReadStatus::kMissing:
      return CheckpointStatus::kMissing;
    case ReadStatus::kError:
      return CheckpointStatus::kCorrupt;
    case ReadStatus::kOk:
      break;
  }
  auto lines = split_fields(text, '\n');
  if (!lines.empty() && lines.back().empty()) lines.pop_back();  // final newline
  int64_t count = -1;
  if (lines.size() < 2 || lines[0] != "0" || !parse_decimal(lines[1], count) ||
      count != static_cast<int64_t>(lines.size()) - 2) {
    return CheckpointStatus::kCorrupt;
  }
  for (size_t i = 2; i < lines.size(); ++i) {
    if (!parse_entry(lines[i])) return CheckpointStatus::kCorrupt;
  }
  return CheckpointStatus::kOk;
}

std::string checkpoint_preamble(size_t count) {
  return fmt::format("0\n{}\n", count);
}

CheckpointRead read_checkpoint(const std::string& path, Env& env) {
  CheckpointRead result;
  OffsetMap offsets;
  result.status = read_checkpoint_entries(
      env, path, [&offsets](std::string_view line) { return parse_entry(line, offsets); });
  if (result.status == CheckpointStatus::kOk) result.offsets = std::move(offsets);
  return result;
}

std::string format_checkpoint(const OffsetMap& offsets) {
  std::string text = checkpoint_preamble(offsets.size());
  for (const auto& [tp, offset] : offsets) {
    text += fmt::format("{} {} {}\n", tp.topic, tp.partition, offset);
  }
  return text;
}

bool write_checkpoint(const std::string& path, const OffsetMap& offsets, Env& env) {
  return write_file_atomically(env, path, format_checkpoint(offsets));
}

}  // namespace gregor::storage
