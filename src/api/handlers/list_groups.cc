// ListGroups: every group this coordinator knows, optionally filtered by state (v4+, KIP-518). In
// a cluster each broker lists the groups it coordinates; clients ask every broker.
#include <algorithm>
#include <cctype>

#include "api/handlers/handlers.h"
#include "broker/broker.h"
#include "protocol/messages/list_groups.h"

namespace gregor::api {
namespace {

bool same_ignoring_case(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) ==
                  std::tolower(static_cast<unsigned char>(y));
         });
}

}  // namespace

void handle_list_groups(const RequestPtr& request, protocol::ListGroupsRequest body) {
  protocol::ListGroupsResponse response;
  const auto listing = request->broker().groups().list_groups();
  response.error_code = to_wire(listing.error);
  for (const auto& group : listing.groups) {
    const auto state = coordinator::state_name(group.state);
    if (!body.states_filter.empty() &&
        std::none_of(body.states_filter.begin(), body.states_filter.end(),
                     [&](const std::string& s) { return same_ignoring_case(s, state); })) {
      continue;
    }
    auto& out = response.groups.emplace_back();
    out.group_id = group.group_id;
    out.protocol_type = group.protocol_type;
    out.group_state = std::string(state);
  }
  request->respond(response);
}

}  // namespace gregor::api
