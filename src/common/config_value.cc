#include "common/config_value.h"

#include <charconv>

namespace gregor {
namespace {

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t'))
    s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t'))
    s.remove_suffix(1);
  return s;
}

}  // namespace

std::optional<int64_t> parse_integer(std::string_view text, int64_t min, int64_t max,
                                     std::string& error) {
  text = trim(text);
  int64_t value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (text.empty() || ec != std::errc() || end != text.data() + text.size()) {
    error = ec == std::errc::result_out_of_range ? "out of range" : "not an integer";
    return std::nullopt;
  }
  if (value < min) {
    error = "must be at least " + std::to_string(min);
    return std::nullopt;
  }
  if (value > max) {
    error = "must be at most " + std::to_string(max);
    return std::nullopt;
  }
  return value;
}

std::optional<bool> parse_boolean(std::string_view text, std::string& error) {
  text = trim(text);
  if (text == "true") return true;
  if (text == "false") return false;
  error = "must be true or false";
  return std::nullopt;
}

std::optional<double> parse_double(std::string_view text, double min, double max,
                                   std::string& error) {
  text = trim(text);
  double value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (text.empty() || ec != std::errc() || end != text.data() + text.size()) {
    error = "not a number";
    return std::nullopt;
  }
  if (value < min || value > max) {
    error = "must be between " + std::to_string(min) + " and " + std::to_string(max);
    return std::nullopt;
  }
  return value;
}

std::optional<std::string> parse_choice(std::string_view text,
                                        const std::vector<std::string_view>& allowed,
                                        std::string& error) {
  text = trim(text);
  for (auto choice : allowed) {
    if (text == choice) return std::string(choice);
  }
  error = "must be one of";
  for (size_t i = 0; i < allowed.size(); ++i) {
    error += (i ? ", " : " ") + std::string(allowed[i]);
  }
  return std::nullopt;
}

std::vector<std::string> split_list(std::string_view text) {
  std::vector<std::string> items;
  size_t start = 0;
  while (start <= text.size()) {
    size_t comma = text.find(',', start);
    if (comma == std::string_view::npos) comma = text.size();
    auto item = trim(text.substr(start, comma - start));
    if (!item.empty()) items.emplace_back(item);
    start = comma + 1;
  }
  return items;
}

}  // namespace gregor
