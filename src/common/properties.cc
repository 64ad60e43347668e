#include "common/properties.h"

#include <fstream>
#include <sstream>

namespace gregor {
namespace {

std::string_view trim(std::string_view s) {
  const auto first = s.find_first_not_of(" \t\r\f");
  if (first == std::string_view::npos) return {};
  const auto last = s.find_last_not_of(" \t\r\f");
  return s.substr(first, last - first + 1);
}

}  // namespace

std::optional<std::pair<std::string, std::string>> split_assignment(std::string_view text) {
  const auto sep = text.find_first_of("=:");
  if (sep == std::string_view::npos) return std::nullopt;
  return std::make_pair(std::string(trim(text.substr(0, sep))),
                        std::string(trim(text.substr(sep + 1))));
}

std::optional<Properties> parse_properties(std::string_view text, std::string& error) {
  Properties props;
  std::string logical;  // a line plus its backslash continuations
  int line_number = 0;
  size_t start = 0;
  while (start <= text.size()) {
    size_t end = text.find('\n', start);
    if (end == std::string_view::npos) end = text.size();
    std::string_view line = trim(text.substr(start, end - start));
    start = end + 1;
    ++line_number;
    if (logical.empty() && (line.empty() || line[0] == '#' || line[0] == '!')) continue;
    if (!line.empty() && line.back() == '\\') {
      logical.append(line.substr(0, line.size() - 1));
      continue;
    }
    logical.append(line);
    if (logical.empty()) continue;
    auto kv = split_assignment(logical);
    if (!kv || kv->first.empty()) {
      error = "line " + std::to_string(line_number) + ": expected key=value, got '" + logical + "'";
      return std::nullopt;
    }
    props[kv->first] = kv->second;
    logical.clear();
  }
  return props;
}

std::optional<Properties> load_properties(const std::string& path, std::string& error) {
  std::ifstream in(path);
  if (!in) {
    error = "cannot read " + path;
    return std::nullopt;
  }
  std::stringstream text;
  text << in.rdbuf();
  auto props = parse_properties(text.str(), error);
  if (!props) error = path + ": " + error;
  return props;
}

}  // namespace gregor
