// One Kafka request to one broker, for the few APIs librdkafka 2.0 does not expose
// (DescribeLogDirs, the cluster-wide broker defaults), through the blocking client
// (client/blocking_client.h) on a connection of its own.
//
//   DescribeLogDirsRequest request;
//   auto response = send_request<DescribeLogDirsResponse>("127.0.0.1", 9092, request, 1, 5000);
//   if (!response) ...  // connection failed, timed out, or the answer did not decode
//
// For responses without record sets: those would point into the client's buffer, which is gone
// once this returns.
#pragma once

#include <chrono>
#include <optional>
#include <string>

#include "client/blocking_client.h"

namespace gregor::cli {

template <typename Response, typename Request>
std::optional<Response> send_request(const std::string& host, int port, const Request& request,
                                     int16_t version, int timeout_ms) {
  static_assert(Request::kApiKey == Response::kApiKey);
  const std::chrono::milliseconds timeout(timeout_ms);
  client::BlockingClient client("gregor-cli");
  std::string error;
  Response response;
  if (!client.connect(host, port, timeout, error) ||
      !client.call(Request::kApiKey, version, request, response, timeout, error)) {
    return std::nullopt;
  }
  return response;
}

}  // namespace gregor::cli
