#include "broker/log_config_values.h"

#include <array>
#include <charconv>
#include <utility>
#include <vector>

namespace gregor::broker {
namespace {

using protocol::Compression;

constexpr std::array<std::pair<std::string_view, Compression>, 5> kCodecNames = {{
    {"uncompressed", Compression::kNone},
    {"gzip", Compression::kGzip},
    {"snappy", Compression::kSnappy},
    {"lz4", Compression::kLz4},
    {"zstd", Compression::kZstd},
}};

// Splits "2.8.1-IV0" into its dotted numbers; false when a part is not a number.
bool dotted_numbers(std::string_view text, std::vector<int>& numbers) {
  while (true) {
    const auto dot = text.find('.');
    const auto part = text.substr(0, dot);
    int value = 0;
    auto [end, ec] = std::from_chars(part.data(), part.data() + part.size(), value);
    if (part.empty() || ec != std::errc() || end != part.data() + part.size()) return false;
    numbers.push_back(value);
    if (dot == std::string_view::npos) return true;
    text.remove_prefix(dot + 1);
  }
}

// Kafka's releases, by their significant numbers: 0.8.0 - 0.11.0, then 1.0 - 3.9.
bool known_release(const std::vector<int>& n) {
  if (n[0] == 0) {
    if (n.size() < 3) return false;
    if (n[1] == 8) return n[2] <= 2;
    return (n[1] == 9 || n[1] == 11) ? n[2] == 0 : n[1] == 10 && n[2] <= 2;
  }
  if (n.size() < 2) return false;
  const int max_minor = n[0] == 1 ? 1 : n[0] == 2 ? 8 : n[0] == 3 ? 9 : -1;
  return n[1] >= 0 && n[1] <= max_minor;
}

}  // namespace

bool parse_compression_type(std::string_view text, std::optional<Compression>& codec,
                            std::string& error) {
  if (text == "producer") {
    codec.reset();
    return true;
  }
  for (const auto& [name, candidate] : kCodecNames) {
    if (text == name) {
      codec = candidate;
      return true;
    }
  }
  error = "must be one of uncompressed, zstd, lz4, snappy, gzip, producer";
  return false;
}

std::string compression_type_text(const std::optional<Compression>& codec) {
  if (!codec) return "producer";
  for (const auto& [name, candidate] : kCodecNames) {
    if (candidate == *codec) return std::string(name);
  }
  return "producer";
}

bool valid_message_format_version(std::string_view text, std::string& error) {
  std::string_view release = text;
  if (const auto iv = text.find("-IV"); iv != std::string_view::npos) {
    const auto suffix = text.substr(iv + 3);
    int ignored = 0;
    auto [end, ec] = std::from_chars(suffix.data(), suffix.data() + suffix.size(), ignored);
    if (suffix.empty() || ec != std::errc() || end != suffix.data() + suffix.size()) {
      error = "not a Kafka version";
      return false;
    }
    release = text.substr(0, iv);
  }
  std::vector<int> numbers;
  if (!dotted_numbers(release, numbers) || !known_release(numbers)) {
    error = "not a Kafka version (0.8.0 to 3.9, e.g. 2.8 or 3.0-IV1)";
    return false;
  }
  return true;
}

}  // namespace gregor::broker
