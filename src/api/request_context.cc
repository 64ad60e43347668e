#include "api/request_context.h"

namespace gregor::api {

RequestContext::RequestContext(Broker* broker, Executor& executor, std::string client_host,
                               protocol::RequestHeader header, protocol::FrameBuffer frame,
                               size_t body_offset, Completion completion)
    : broker_(broker),
      executor_(executor),
      client_host_(std::move(client_host)),
      header_(std::move(header)),
      frame_(std::move(frame)),
      body_offset_(body_offset),
      completion_(std::move(completion)) {}

void RequestContext::complete(std::optional<protocol::Writer> frame, bool close) {
  if (!completion_) return;  // a second completion is a bug; the first one wins
  auto completion = std::move(completion_);
  completion_ = nullptr;
  completion(std::move(frame), close);
}

}  // namespace gregor::api
