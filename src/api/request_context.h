// One request on its way through the broker: the parsed header, the frame it came in (record
// payloads in the body are views into it), and the way back to the connection.
//
// Handlers receive a shared_ptr<RequestContext> and the decoded body (api/dispatcher.h);
// whatever completes the request later (the flusher for acks=all, a timer or an append for a
// delayed fetch, the cluster thread for an admin request) keeps it alive and calls respond()
// exactly once, from any thread. The connection sends responses in request order.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "common/executor.h"
#include "protocol/codec.h"
#include "protocol/frame_buffer.h"
#include "protocol/request_header.h"

namespace gregor::broker {
class Broker;
}  // namespace gregor::broker

namespace gregor::api {

using broker::Broker;

class RequestContext {
 public:
  // Receives the encoded response frame, or nullopt when the request gets no response
  // (Produce with acks=0), or a request to close the connection (close == true).
  using Completion = std::function<void(std::optional<protocol::Writer> frame, bool close)>;

  // `client_host` is the peer's address as Kafka reports it to group tools ("/127.0.0.1").
  // `broker` is null only in unit tests of the dispatcher, whose handlers do not use it.
  RequestContext(Broker* broker, Executor& executor, std::string client_host,
                 protocol::RequestHeader header, protocol::FrameBuffer frame, size_t body_offset,
                 Completion completion);

  Broker& broker() const { return *broker_; }
  Executor& executor() const { return executor_; }
  const protocol::RequestHeader& header() const { return header_; }
  const std::string& client_host() const { return client_host_; }
  int16_t version() const { return header_.api_version; }
  // The request body. Mutable: produce assigns offsets in place before appending.
  std::span<uint8_t> body() { return std::span(frame_).subspan(body_offset_); }

  // Decodes the body as `Request`; false if it is malformed. Only the dispatcher decodes.
  template <typename Request>
  bool decode(Request& request) {
    protocol::Reader in(body());
    request.decode(in, version());
    return in.ok();
  }

  // Encodes `response` at the request's version (or `as_version`, for the ApiVersions fallback
  // that answers an unknown version in v0 format) and hands it to the connection.
  template <typename Response>
  void respond(const Response& response, int16_t as_version = -1) {
    const int16_t v = as_version >= 0 ? as_version : version();
    const bool flexible_header =
        v >= Response::kFirstFlexible && !protocol::is_api_versions(header_.api_key);
    protocol::Writer out;
    protocol::begin_response(out, header_.correlation_id, flexible_header);
    response.encode(out, v);
    protocol::finish_frame(out);
    complete(std::move(out), false);
  }
  void respond_nothing() { complete(std::nullopt, false); }
  void close_connection() { complete(std::nullopt, true); }

  // Asks that the connection read nothing more until this request is answered: set by a request
  // whose work leaves the network thread for the metadata store, so that what follows it on the
  // connection sees its effect, as it would in Kafka, which serves a connection's requests one at
  // a time. Set only while the handler runs on the network thread.
  void hold_connection() { holds_connection_ = true; }
  bool holds_connection() const { return holds_connection_; }

 private:
  void complete(std::optional<protocol::Writer> frame, bool close);

  Broker* const broker_;
  Executor& executor_;
  const std::string client_host_;
  const protocol::RequestHeader header_;
  protocol::FrameBuffer frame_;
  const size_t body_offset_;
  Completion completion_;
  bool holds_connection_ = false;
};

using RequestPtr = std::shared_ptr<RequestContext>;

}  // namespace gregor::api
