#include "api/dispatcher.h"

#include <spdlog/spdlog.h>

#include <algorithm>

#include "protocol/request_header.h"

namespace gregor::api {

const Api* Dispatcher::find(int16_t key) const {
  const auto it = std::ranges::lower_bound(apis_, key, {}, &Api::key);
  return it != apis_.end() && it->key == key ? &*it : nullptr;
}

Dispatcher::Outcome Dispatcher::dispatch(protocol::FrameBuffer frame, Executor& executor,
                                         const std::string& peer, const std::string& client_host,
                                         RequestContext::Completion completion) const {
  protocol::Reader in(frame);
  protocol::RequestHeader header;
  if (!protocol::read_header_prefix(in, header)) {
    spdlog::warn("closing {}: request frame too short for a header", peer);
    return Outcome::kCloseNow;
  }
  const Api* api = find(header.api_key);
  if (api == nullptr) {
    spdlog::warn("closing {}: unknown API key {}", peer, header.api_key);
    return Outcome::kCloseNow;
  }
  const bool advertised =
      header.api_version >= api->min_advertised && header.api_version <= api->max_version;
  // For any API but ApiVersions, an unadvertised version means the client ignored our
  // ApiVersions answer, and Kafka closes the connection.
  if (!advertised && !protocol::is_api_versions(header.api_key)) {
    spdlog::warn("closing {}: unsupported version {} of API {}", peer, header.api_version,
                 api->name);
    return Outcome::kCloseNow;
  }
  if (advertised) {
    protocol::read_header_rest(in, header, header.api_version >= api->request_first_flexible);
    if (!in.ok()) {
      spdlog::warn("closing {}: malformed {} request header", peer, api->name);
      return Outcome::kCloseNow;
    }
  }
  const auto body_offset = static_cast<size_t>(in.position() - frame.data());
  auto request =
      std::make_shared<RequestContext>(broker_, executor, client_host, std::move(header),
                                       std::move(frame), body_offset, std::move(completion));
  api->serve(request);
  return request->holds_connection() ? Outcome::kHolding : Outcome::kServing;
}

}  // namespace gregor::api
