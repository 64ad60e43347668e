// Request and response headers: the part of every Kafka frame that comes before the API body.
//
// Request header v1 is {api_key, api_version, correlation_id, client_id}; v2 (used by flexible
// request versions) adds a tagged-field section. client_id stays a classic nullable string even
// in v2. Response header v0 is {correlation_id}; v1 adds tagged fields, except that ApiVersions
// responses always use v0 so that a client can read them before it knows the broker's versions.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "protocol/codec.h"

namespace gregor::protocol {

struct RequestHeader {
  int16_t api_key = 0;
  int16_t api_version = 0;
  int32_t correlation_id = 0;
  std::optional<std::string> client_id;
};

inline constexpr int16_t kApiVersionsKey = 18;

// ApiVersions is the API a client speaks before it knows the broker's versions: its responses
// keep header v0, and a version the broker does not know is still answered (KIP-511).
constexpr bool is_api_versions(int16_t api_key) {
  return api_key == kApiVersionsKey;
}

// Reads the fixed part (api_key, api_version, correlation_id): enough to answer even a request
// whose version is unknown. Returns false on a frame too short for it.
bool read_header_prefix(Reader& in, RequestHeader& header);

// Reads client_id and, for flexible requests, the tagged-field section.
void read_header_rest(Reader& in, RequestHeader& header, bool flexible);

// Starts a response frame: a 4-byte size placeholder, then the response header.
// finish_frame() patches the size once the body has been written.
void begin_response(Writer& out, int32_t correlation_id, bool flexible_header);
void finish_frame(Writer& out);

// Writes a whole request frame (used by tests and tools that speak to a broker directly).
void begin_request(Writer& out, const RequestHeader& header, bool flexible);

}  // namespace gregor::protocol
