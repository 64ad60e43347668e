// ControlledShutdown: a broker about to stop asks the controller to move its leaderships away.
// The controller answers on its own event thread; the response is sent from there, so no network
// thread waits for the elections.
#include "protocol/messages/controlled_shutdown.h"
#include "api/handlers/handlers.h"
#include "broker/broker.h"

namespace gregor::api {

void handle_controlled_shutdown(const RequestPtr& request,
                                protocol::ControlledShutdownRequest body) {
  request->broker().controller().controlled_shutdown(
      body.broker_id, [request](cluster::ControlledShutdownResult result) {
        protocol::ControlledShutdownResponse response;
        response.error_code = to_wire(result.error);
        for (auto& remaining : result.remaining) {
          response.remaining_partitions.push_back(
              {std::move(remaining.topic), remaining.partition});
        }
        request->respond(response);
      });
}

}  // namespace gregor::api
