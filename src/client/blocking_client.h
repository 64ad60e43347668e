// A small blocking Kafka-protocol client for requests from one broker to another (a follower's
// Fetch to its leader, OffsetForLeaderEpoch, ...). It runs on the replication threads, which may
// block; never use it on a network thread.
//
//   BlockingClient client("broker-2-fetcher");
//   std::string error;
//   if (!client.connect("127.0.0.1", 9092, 5s, error)) ...
//   FetchResponse response;
//   if (!client.call(FetchRequest::kApiKey, 12, request, response, 30s, error)) ...
//   // response's record sets point into the client's buffer until the next call.
//
// Every failure (I/O error, timeout, wrong correlation id, malformed response) closes the
// connection: the next call needs a new connect(). interrupt(), from any thread, makes a blocked
// connect()/call() return false at once, and every later one too: it is for shutdown.
// give_up_at(), from any thread, sets a moment at which calls stop waiting: for a request that
// has become pointless (a fetch parked at the leader that lacks a new partition).
//
// Owned by one thread; only interrupt() and give_up_at() may be called from another. The bodies
// are the generated message structs; this class only frames them and moves bytes.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

#include "protocol/codec.h"
#include "protocol/request_header.h"

namespace gregor::client {

class BlockingClient {
 public:
  explicit BlockingClient(std::string client_id);
  ~BlockingClient();
  BlockingClient(const BlockingClient&) = delete;
  BlockingClient& operator=(const BlockingClient&) = delete;

  // Connects (closing any previous connection). false with `error` on failure/timeout.
  bool connect(const std::string& host, int32_t port, std::chrono::milliseconds timeout,
               std::string& error);
  bool connected() const { return socket_ >= 0; }
  void close();

  // Encodes `request` with a request header (v1, or v2 when `version` is flexible), sends it,
  // waits up to `timeout` for the response with the matching correlation id and decodes it into
  // `response`. On I/O error, timeout, a wrong correlation id or a malformed response: closes the
  // connection and returns false with `error`. Byte views in the decoded response point into a
  // buffer the client owns: valid until the next call.
  template <typename Request, typename Response>
  bool call(int16_t api_key, int16_t version, const Request& request, Response& response,
            std::chrono::milliseconds timeout, std::string& error);

  // From another thread: makes a blocked connect()/call() return false promptly, and every later
  // one at once (shutdown).
  void interrupt();
  // From another thread: the call in flight and every later one stop waiting at `when` (at once
  // when it has passed) and fail with "gave up ...", closing the connection, until another
  // moment is set. time_point::max() lifts it.
  void give_up_at(std::chrono::steady_clock::time_point when);

  // The largest response accepted; a bigger size prefix is taken for garbage.
  static constexpr int32_t kMaxResponseBytes = 256 << 20;

 private:
  // Starts a request frame in `frame`; returns its correlation id. false (with `error`) for a
  // version the generated structs do not know or an api_key that is not theirs.
  bool begin(int16_t api_key, int16_t version, int16_t own_api_key, int16_t min_version,
             int16_t max_version, int16_t first_flexible, protocol::Writer& frame,
             int32_t& correlation_id, std::string& error);
  // Sends the finished frame, reads the response with `correlation_id` into response_ and sets
  // `body` to what follows the response header (whose form depends on the API and whether
  // `version` is flexible).
  bool exchange(const protocol::Writer& frame, int16_t api_key, bool flexible,
                int32_t correlation_id, std::chrono::milliseconds timeout, protocol::ByteView& body,
                std::string& error);
  // Checks that decoding consumed the body exactly; closes the connection when it did not.
  bool decoded(const protocol::Reader& in, int16_t api_key, int16_t version, std::string& error);
  // Waits until the socket is ready for `events`. Else closes the connection and returns false
  // with `error` ("timed out <what>", "gave up <what>", ...).
  bool wait(short events, std::chrono::steady_clock::time_point deadline, const char* what,
            std::string& error);
  bool send_all(const uint8_t* data, size_t size, std::chrono::steady_clock::time_point deadline,
                std::string& error);
  bool receive_all(uint8_t* data, size_t size, std::chrono::steady_clock::time_point deadline,
                   std::string& error);
  // Closes the connection and returns false with `error` set to `message`.
  bool fail(std::string message, std::string& error);

  std::string client_id_;
  int socket_ = -1;
  int wakeup_ = -1;  // an eventfd, readable once interrupt() has been called
  std::atomic<bool> interrupted_{false};
  int nudge_ = -1;  // an eventfd, readable when give_up_at() changed the moment
  std::atomic<std::chrono::steady_clock::rep> give_up_at_{
      std::chrono::steady_clock::time_point::max().time_since_epoch().count()};
  int32_t next_correlation_id_ = 1;
  std::vector<uint8_t> response_;
};

template <typename Request, typename Response>
bool BlockingClient::call(int16_t api_key, int16_t version, const Request& request,
                          Response& response, std::chrono::milliseconds timeout,
                          std::string& error) {
  protocol::Writer frame;
  int32_t correlation_id = 0;
  if (!begin(api_key, version, Request::kApiKey, Request::kMinVersion, Request::kMaxVersion,
             Request::kFirstFlexible, frame, correlation_id, error)) {
    return false;
  }
  request.encode(frame, version);
  protocol::finish_frame(frame);
  protocol::ByteView body;
  if (!exchange(frame, api_key, version >= Response::kFirstFlexible, correlation_id, timeout, body,
                error)) {
    return false;
  }
  protocol::Reader in(body);
  response = Response{};
  response.decode(in, version);
  return decoded(in, api_key, version, error);
}

}  // namespace gregor::client
