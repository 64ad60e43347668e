// Parsers and printers for the topic config values that are more than a number: compression.type
// and message.format.version. Used by the key table (log_config_keys.cc) and its tests.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "protocol/record_batch.h"

namespace gregor::broker {

// compression.type: "producer" (sets `codec` to nullopt: keep the producer's codec),
// "uncompressed", "gzip", "snappy", "lz4" or "zstd". False (with `error`) for any other.
bool parse_compression_type(std::string_view text, std::optional<protocol::Compression>& codec,
                            std::string& error);
std::string compression_type_text(const std::optional<protocol::Compression>& codec);

// message.format.version: a Kafka release ("0.10.2", "2.8", "3.0-IV1", "2.8.1"). The first two
// numbers (three for 0.x releases) must name a release from 0.8.0 to 3.9; an "-IVn" suffix is
// allowed. Returns false with `error` otherwise.
bool valid_message_format_version(std::string_view text, std::string& error);

}  // namespace gregor::broker
