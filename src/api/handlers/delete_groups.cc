// DeleteGroups: removes Empty groups and their committed offsets (tombstones in
// __consumer_offsets). NON_EMPTY_GROUP while members remain, GROUP_ID_NOT_FOUND when unknown.
// The answer leaves once every deleted group's tombstones are durable.
#include "protocol/messages/delete_groups.h"

#include <atomic>

#include "api/handlers/handlers.h"
#include "broker/broker.h"

namespace gregor::api {
namespace {

// The response being filled in by the groups' completions, from whichever threads they run on;
// each writes only its own result slot, and the last one to finish sends it.
struct PendingDeletes {
  protocol::DeleteGroupsResponse response;
  std::atomic<size_t> remaining{0};
};

}  // namespace

void handle_delete_groups(const RequestPtr& request, protocol::DeleteGroupsRequest body) {
  auto pending = std::make_shared<PendingDeletes>();
  if (body.groups_names.empty()) return request->respond(pending->response);
  pending->response.results.resize(body.groups_names.size());
  pending->remaining = body.groups_names.size();
  for (size_t i = 0; i < body.groups_names.size(); ++i) {
    pending->response.results[i].group_id = body.groups_names[i];
    request->broker().groups().delete_group(
        body.groups_names[i], [request, pending, i](ErrorCode error) {
          pending->response.results[i].error_code = to_wire(error);
          if (pending->remaining.fetch_sub(1) == 1) request->respond(pending->response);
        });
  }
}

}  // namespace gregor::api
