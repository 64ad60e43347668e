// Java-style .properties files (server.properties), as Kafka reads them: `key=value` or
// `key: value` lines, `#`/`!` comments, surrounding blanks trimmed, a trailing backslash joins
// the next line. Later keys win. Used for the broker configuration and `--override key=value`.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>

namespace gregor {

using Properties = std::map<std::string, std::string, std::less<>>;

// Parses properties text. Returns nullopt and sets `error` for a line without a separator.
std::optional<Properties> parse_properties(std::string_view text, std::string& error);

// Reads and parses a file; `error` names the file and the problem.
std::optional<Properties> load_properties(const std::string& path, std::string& error);

// Splits "key=value" (for --override); nullopt when there is no '='.
std::optional<std::pair<std::string, std::string>> split_assignment(std::string_view text);

}  // namespace gregor
