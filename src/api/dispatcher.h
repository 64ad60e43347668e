// Turns one request frame into a call of its API's handler. Kafka's answers to a bad request,
// which every API gets alike:
//  - a frame too short for a header, an unknown API key, or a version outside the advertised
//    range (except for ApiVersions, which answers any version, KIP-511): the connection closes
//    at once, without a response;
//  - a header that does not decode: the same;
//  - a version that is advertised but not served: the API's error response, UNSUPPORTED_VERSION;
//  - a body that does not decode at its version: the connection closes once the responses to the
//    requests before it have been sent.
//
// Stateless apart from its table; safe to use from any number of threads.
#pragma once

#include <span>
#include <string>

#include "api/apis.h"
#include "protocol/frame_buffer.h"

namespace gregor::api {

class Dispatcher {
 public:
  // `broker` is null only in unit tests whose handlers do not use it.
  Dispatcher(std::span<const Api> apis, Broker* broker) : apis_(apis), broker_(broker) {}

  const Api* find(int16_t key) const;

  enum class Outcome {
    kServing,   // `completion` will receive the response, or a request to close
    kHolding,   // the same, and the connection reads nothing more until then
    kCloseNow,  // logged (naming `peer`); `completion` is never called
  };

  // Serves `frame`.
  Outcome dispatch(protocol::FrameBuffer frame, Executor& executor, const std::string& peer,
                   const std::string& client_host, RequestContext::Completion completion) const;

 private:
  std::span<const Api> apis_;
  Broker* broker_;
};

}  // namespace gregor::api
