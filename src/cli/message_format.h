// Turning lines into messages (produce) and messages into lines (consume). Pure functions.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace gregor::cli {

struct MessageFields {
  std::string_view topic;
  int32_t partition = 0;
  int64_t offset = 0;
  int64_t timestamp = -1;
  std::optional<std::string_view> key;
  std::optional<std::string_view> value;
  std::vector<std::pair<std::string, std::optional<std::string>>> headers;
};

// Expands %k key, %v value, %h headers (k=v,k2=v2), %p partition, %o offset, %t timestamp,
// %T topic, %% a percent sign, and the escapes \n \t \\. A null key or value prints as "null".
std::string format_message(std::string_view format, const MessageFields& message);

// A message as JSON, for --output json: {"topic":..,"partition":..,"offset":..,"timestamp":..,
// "key":..,"value":..,"headers":{..}}.
std::string message_json(const MessageFields& message);

// "k=v" -> {"k", "v"}; nullopt without '=' or with an empty key.
std::optional<std::pair<std::string, std::string>> parse_header(std::string_view text);

// Splits a produced line at the first `separator` into key and value; nullopt when the line has
// no separator.
std::optional<std::pair<std::string, std::string>> split_key(std::string_view line,
                                                             std::string_view separator);

}  // namespace gregor::cli
