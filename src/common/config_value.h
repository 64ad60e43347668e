// Parsing of configuration values with Kafka's rules, shared by broker and topic configs.
// Each parser returns the value, or nullopt with `error` set to a short reason ("not an
// integer", "must be at least 1") that the caller prefixes with the key's name.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace gregor {

std::optional<int64_t> parse_integer(std::string_view text, int64_t min, int64_t max,
                                     std::string& error);
std::optional<bool> parse_boolean(std::string_view text, std::string& error);
std::optional<double> parse_double(std::string_view text, double min, double max,
                                   std::string& error);
// Accepts a value only from `allowed` (case-sensitive, as Kafka's validators are).
std::optional<std::string> parse_choice(std::string_view text,
                                        const std::vector<std::string_view>& allowed,
                                        std::string& error);
// A comma-separated list, blanks trimmed, empty items dropped.
std::vector<std::string> split_list(std::string_view text);

}  // namespace gregor
