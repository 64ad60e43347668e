#include "cli/offset_reset.h"

#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <ctime>
#include <regex>

#include "cli/cli_error.h"

namespace gregor::cli {
namespace {

std::optional<int64_t> parse_number(const std::string& text) {
  int64_t value = 0;
  const auto* end = text.data() + text.size();
  const auto [ptr, ec] = std::from_chars(text.data(), end, value);
  if (ec != std::errc() || ptr != end || text.empty()) return std::nullopt;
  return value;
}

}  // namespace

TopicSpec parse_topic_spec(const std::string& text) {
  const auto colon = text.find(':');
  TopicSpec spec{text.substr(0, colon), {}};
  if (spec.topic.empty()) throw CliError("--topic needs a topic name, as in orders or orders:0,1");
  if (colon == std::string::npos) return spec;
  const std::string list = text.substr(colon + 1);
  size_t start = 0;
  while (start <= list.size()) {
    const auto comma = std::min(list.find(',', start), list.size());
    const auto partition = parse_number(list.substr(start, comma - start));
    if (!partition || *partition < 0 || *partition > INT32_MAX) {
      throw CliError(
          fmt::format("--topic {}: partitions must be comma-separated numbers, as in {}:0,1", text,
                      spec.topic));
    }
    spec.partitions.push_back(static_cast<int32_t>(*partition));
    start = comma + 1;
  }
  return spec;
}

int64_t parse_datetime_ms(const std::string& text) {
  if (const auto ms = parse_number(text); ms && *ms >= 0) return *ms;
  static const std::regex pattern(
      R"((\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,3}))?(Z|[+-]\d{2}:\d{2})?)");
  std::smatch m;
  if (!std::regex_match(text, m, pattern)) {
    throw CliError(fmt::format(
        "--to-datetime '{}' is not YYYY-MM-DDTHH:MM:SS[.sss][Z|+hh:mm] nor milliseconds", text));
  }
  std::tm tm{};
  tm.tm_year = std::stoi(m[1]) - 1900;
  tm.tm_mon = std::stoi(m[2]) - 1;
  tm.tm_mday = std::stoi(m[3]);
  tm.tm_hour = std::stoi(m[4]);
  tm.tm_min = std::stoi(m[5]);
  tm.tm_sec = std::stoi(m[6]);
  int64_t millis = 0;
  if (m[7].matched) millis = std::stoi(m[7].str() + std::string(3 - m[7].length(), '0'));
  int64_t seconds = 0;
  if (!m[8].matched) {
    tm.tm_isdst = -1;  // no zone: local time, as Kafka reads it
    seconds = std::mktime(&tm);
  } else {
    seconds = timegm(&tm);
    const std::string zone = m[8];
    if (zone != "Z") {
      const int offset = std::stoi(zone.substr(1, 2)) * 3600 + std::stoi(zone.substr(4, 2)) * 60;
      seconds -= zone[0] == '+' ? offset : -offset;
    }
  }
  return seconds * 1000 + millis;
}

int64_t reset_offset(const ResetTarget& target, const PartitionOffsets& partition,
                     const std::string& partition_name) {
  int64_t wanted = 0;
  switch (target.kind) {
    case ResetTarget::Kind::kEarliest:
      wanted = partition.earliest;
      break;
    case ResetTarget::Kind::kLatest:
      wanted = partition.latest;
      break;
    case ResetTarget::Kind::kOffset:
      wanted = target.value;
      break;
    case ResetTarget::Kind::kDatetime:
      // No message at or after that time: the end of the partition, as Kafka does.
      wanted = partition.at_time.value_or(partition.latest);
      break;
    case ResetTarget::Kind::kShiftBy:
      if (!partition.committed) {
        throw CliError(fmt::format(
            "cannot shift {}: the group has no committed offset there; use --to-offset, "
            "--to-earliest or --to-latest",
            partition_name));
      }
      wanted = *partition.committed + target.value;
      break;
  }
  return std::clamp(wanted, partition.earliest, std::max(partition.earliest, partition.latest));
}

}  // namespace gregor::cli
