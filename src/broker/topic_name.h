// Kafka's rules for topic names: 1 to 249 characters from [a-zA-Z0-9._-], not "." or "..".
// Names that differ only by '.' versus '_' collide in metric names, so Kafka refuses the second.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace gregor::broker {

inline constexpr size_t kMaxTopicNameLength = 249;

// nullopt when valid; otherwise the reason, phrased for an error message.
std::optional<std::string> invalid_topic_name_reason(std::string_view name);

// The name with '.' replaced by '_': two topics with the same key collide.
std::string topic_collision_key(std::string_view name);

bool is_internal_topic(std::string_view name);

}  // namespace gregor::broker
