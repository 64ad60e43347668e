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
//    for example), so Gregor advertises them, as Kafka does;
//  - an API declared with admin_api<...>() has its handler run on the broker's admin thread:
//    its work waits on the metadata store, and a network thread never waits.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
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

// Runs `work` on the admin thread of the request's broker (broker::Broker::admin_thread), and
// holds the connection's later requests until this one is answered. Called on the network thread
// by the handler; handlers that find out only from the body that they must wait on the metadata
// store (Metadata when it creates a topic) go through handle_on_admin_thread, the others are
// declared with admin_api<...>().
void run_on_admin_thread(const RequestPtr& request, std::function<void()> work);

template <typename Request, Handler<Request> Handle>
void handle_on_admin_thread(const RequestPtr& request, Request body) {
  auto shared = std::make_shared<Request>(std::move(body));
  run_on_admin_thread(request, [request, shared] { Handle(request, std::move(*shared)); });
}

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

// The declaration of an API whose handler waits on the metadata store: decoded and checked on
// the network thread, handled on the admin thread.
template <typename Request, Handler<Request> Handle>
constexpr Api admin_api() {
  return api<Request, &handle_on_admin_thread<Request, Handle>>();
}

}  // namespace gregor::api
