// One Kafka request to one broker over a plain TCP socket, for the few APIs librdkafka 2.0 does
// not expose (DescribeLogDirs). The bodies are the generated message structs; this file only
// frames them (request header v1 / response header v0: non-flexible versions) and moves bytes.
//
//   DescribeLogDirsRequest request;
//   auto response = send_request<DescribeLogDirsResponse>("127.0.0.1", 9092, request, 1, 5000);
//   if (!response) ...  // connection failed, timed out, or the answer did not decode
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "protocol/codec.h"
#include "protocol/request_header.h"

namespace gregor::cli {

// Sends `frame` (a whole request frame) and returns the body of the response whose correlation
// id is `correlation_id`, or nullopt on any failure within `timeout_ms`.
std::optional<std::vector<uint8_t>> exchange(const std::string& host, int port,
                                             const std::vector<uint8_t>& frame,
                                             int32_t correlation_id, int timeout_ms);

template <typename Response, typename Request>
std::optional<Response> send_request(const std::string& host, int port, const Request& request,
                                     int16_t version, int timeout_ms) {
  static_assert(Request::kApiKey == Response::kApiKey);
  constexpr int32_t kCorrelationId = 1;
  if (version >= Request::kFirstFlexible) return std::nullopt;  // header v2 is not framed here
  protocol::Writer out;
  protocol::begin_request(out, {Request::kApiKey, version, kCorrelationId, "gregor-cli"}, false);
  request.encode(out, version);
  protocol::finish_frame(out);
  const auto body = exchange(host, port, out.bytes(), kCorrelationId, timeout_ms);
  if (!body) return std::nullopt;
  protocol::Reader in(protocol::ByteView(body->data(), body->size()));
  Response response;
  response.decode(in, version);
  if (!in.ok()) return std::nullopt;
  return response;
}

}  // namespace gregor::cli
