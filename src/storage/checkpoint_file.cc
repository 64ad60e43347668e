#include "storage/checkpoint_file.h"

#include <charconv>
#include <string_view>
#include <vector>

#include <fmt/format.h>

#include "storage/file_util.h"

namespace gregor::storage {

namespace {

std::vector<std::string_view> split(std::string_view text, char separator) {
  std::vector<std::string_view> parts;
  size_t from = 0;
  for (size_t at; (at = text.find(separator, from)) != std::string_view::npos; from = at + 1) {
    parts.push_back(text.substr(from, at - from));
  }
  parts.push_back(text.substr(from));
  return parts;
}

template <typename T>
bool parse_number(std::string_view text, T& out) {
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), out);
  return error == std::errc() && end == text.data() + text.size() && !text.empty();
}

// "topic partition offset"; the topic cannot contain spaces (Kafka's topic names cannot).
bool parse_entry(std::string_view line, OffsetMap& offsets) {
  const auto fields = split(line, ' ');
  TopicPartition tp;
  int64_t offset = 0;
  if (fields.size() != 3 || fields[0].empty() || !parse_number(fields[1], tp.partition) ||
      !parse_number(fields[2], offset) || tp.partition < 0) {
    return false;
  }
  tp.topic = std::string(fields[0]);
  return offsets.emplace(std::move(tp), offset).second;
}

}  // namespace

CheckpointRead read_checkpoint(const std::string& path) {
  CheckpointRead result;
  std::string text;
  switch (read_small_file(path, text)) {
    case ReadStatus::kMissing:
      return result;
    case ReadStatus::kError:
      result.status = CheckpointStatus::kCorrupt;
      return result;
    case ReadStatus::kOk:
      break;
  }
  result.status = CheckpointStatus::kCorrupt;
  auto lines = split(text, '\n');
  if (!lines.empty() && lines.back().empty()) lines.pop_back();  // final newline
  int64_t count = -1;
  if (lines.size() < 2 || lines[0] != "0" || !parse_number(lines[1], count) ||
      count != static_cast<int64_t>(lines.size()) - 2) {
    return result;
  }
  OffsetMap offsets;
  for (size_t i = 2; i < lines.size(); ++i) {
    if (!parse_entry(lines[i], offsets)) return result;
  }
  result.status = CheckpointStatus::kOk;
  result.offsets = std::move(offsets);
  return result;
}

std::string format_checkpoint(const OffsetMap& offsets) {
  std::string text = fmt::format("0\n{}\n", offsets.size());
  for (const auto& [tp, offset] : offsets) {
    text += fmt::format("{} {} {}\n", tp.topic, tp.partition, offset);
  }
  return text;
}

bool write_checkpoint(const std::string& path, const OffsetMap& offsets) {
  return write_file_atomically(path, format_checkpoint(offsets));
}

}  // namespace gregor::storage
