// The APIs this broker serves, each declared once in apis.cc with its generated request type,
// its handler and the oldest version the handler serves:
//
//   api<HeartbeatRequest, &handle_heartbeat>()
//   api<ProduceRequest, &handle_produce, 3, &produce_error_response>()
//
// Everything else follows from that declaration, so what is advertised, checked and handled
// cannot disagree:
//  - ApiVersions advertises the API up to the newest version its schema describes;
//  - the dispatcher (api/dispatcher.h) refuses versions outside the advertised range and decodes
//    the body, closing the connection on a malformed one, before the handler runs;
//  - versions older than the served ones are advertised only when the API names an error
//    response for them, and are answered with it (UNSUPPORTED_VERSION). librdkafka turns
//    features on only when the advertised range covers old versions (Produce v0 for compression,
//    for example), so Gregor advertises them, as Kafka does.
#pragma once

#include <cstdint>
#include <span>
#include <type_traits>
#include <utility>

#include "api/request_context.h"
#include "common/error_code.h"

namespace gregor::api {

struct Api {
  int16_t key;
  const char* name;
  int16_t min_advertised;
  int16_t min_served;
  int16_t max_version;
  int16_t request_first_flexible;
  // Serves a request whose version is within [min_advertised, max_version] (or any version, for
  // ApiVersions): decodes the body, closes the connection if it is malformed, answers versions
  // below min_served with UNSUPPORTED_VERSION, and hands the decoded body to the handler.
  void (*serve)(const RequestPtr& request);
};

// Every API this broker serves, by ascending key.
std::span<const Api> served_apis();

// Logs and closes the request's connection: its body does not decode at its version.
void close_malformed(const RequestPtr& request, const char* api_name);

// A handler receives the decoded body and responds through `request`, now or later, once.
template <typename Request>
using Handler = void (*)(const RequestPtr& request, Request body);

template <typename Request, Handler<Request> Handle, int16_t MinServed, auto ErrorResponse>
void decode_and_serve(const RequestPtr& request) {
  Request body;
  if (!request->decode(body)) return close_malformed(request, Request::kApiName);
  if constexpr (!std::is_null_pointer_v<decltype(ErrorResponse)>) {
    if (request->version() < MinServed) {
      return request->respond(ErrorResponse(body, ErrorCode::kUnsupportedVersion));
    }
  }
  Handle(request, std::move(body));
}

// The declaration of one API. `ErrorResponse(body, error)` builds the response that refuses a
// whole request with `error`; an API that has one advertises the versions below MinServed too.
template <typename Request, Handler<Request> Handle, int16_t MinServed = Request::kMinVersion,
          auto ErrorResponse = nullptr>
constexpr Api api() {
  constexpr bool answers_old = !std::is_null_pointer_v<decltype(ErrorResponse)>;
  static_assert(MinServed >= Request::kMinVersion && MinServed <= Request::kMaxVersion);
  static_assert(!answers_old || MinServed > Request::kMinVersion,
                "an error response for old versions is given only to an API that has some");
  return Api{Request::kApiKey,
             Request::kApiName,
             answers_old ? Request::kMinVersion : MinServed,
             MinServed,
             Request::kMaxVersion,
             Request::kFirstFlexible,
             &decode_and_serve<Request, Handle, MinServed, ErrorResponse>};
}

}  // namespace gregor::api
