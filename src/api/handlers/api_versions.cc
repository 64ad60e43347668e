// ApiVersions: the versions of every API this broker serves, from the table of served APIs.
// A client that asks with a version newer than ours gets UNSUPPORTED_VERSION with the list
// in the v0 layout, and retries with a version it finds there (KIP-511).
#include "protocol/messages/api_versions.h"
#include "api/apis.h"
#include "api/handlers/handlers.h"
#include "common/error_code.h"

namespace gregor::api {

void serve_api_versions(const RequestPtr& request) {
  using protocol::ApiVersionsRequest;
  protocol::ApiVersionsResponse response;
  for (const auto& api : served_apis()) {
    response.api_keys.push_back({api.key, api.min_advertised, api.max_version});
  }
  if (request->version() > ApiVersionsRequest::kMaxVersion || request->version() < 0) {
    response.error_code = to_wire(ErrorCode::kUnsupportedVersion);
    return request->respond(response, 0);
  }
  ApiVersionsRequest body;
  if (!request->decode(body)) {
    response.error_code = to_wire(ErrorCode::kInvalidRequest);
    return request->respond(response, 0);
  }
  request->respond(response);
}

}  // namespace gregor::api
