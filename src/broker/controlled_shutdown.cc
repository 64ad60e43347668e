#include "broker/controlled_shutdown.h"

#include <spdlog/spdlog.h>

#include <chrono>
#include <thread>

#include "broker/broker.h"
#include "client/blocking_client.h"
#include "protocol/messages/controlled_shutdown.h"

namespace gregor::broker {
namespace {

using namespace std::chrono_literals;
constexpr int16_t kVersion = 3;
// How long the broker waits to see the controller's new states for its own partitions.
constexpr auto kFollowTimeout = 10s;

enum class Outcome { kDone, kRetry, kHopeless };

// Partitions left to this broker have no other live ISR member; with no other broker alive,
// asking again cannot change that (the last broker of a cluster stopping).
Outcome left_over(Broker& broker) {
  return broker.metadata().live_brokers().size() <= 1 ? Outcome::kHopeless : Outcome::kRetry;
}

// One ControlledShutdown request to the current controller.
Outcome ask_controller(Broker& broker) {
  const auto& config = broker.config();
  const int32_t controller_id = broker.metadata().controller_id();
  auto controller = broker.metadata().broker(controller_id);
  if (controller_id < 0 || !controller || controller->endpoints.empty()) {
    spdlog::warn("controlled shutdown: no controller known");
    return Outcome::kRetry;
  }
  const auto& endpoint = controller->endpoints.front();
  client::BlockingClient client(fmt::format("broker-{}-controlled-shutdown", config.broker_id));
  const std::chrono::milliseconds timeout(config.replica_socket_timeout_ms);
  std::string error;
  protocol::ControlledShutdownRequest request;
  request.broker_id = config.broker_id;
  protocol::ControlledShutdownResponse response;
  if (!client.connect(endpoint.host, endpoint.port, timeout, error) ||
      !client.call(request.kApiKey, kVersion, request, response, timeout, error)) {
    spdlog::warn("controlled shutdown: controller {} at {}:{}: {}", controller_id, endpoint.host,
                 endpoint.port, error);
    return Outcome::kRetry;
  }
  if (response.error_code != 0) {
    spdlog::warn("controlled shutdown: controller {} answered {}", controller_id,
                 error_name(static_cast<ErrorCode>(response.error_code)));
    return Outcome::kRetry;
  }
  if (!response.remaining_partitions.empty()) {
    spdlog::warn(
        "controlled shutdown: {} partition(s) have no other in-sync replica to lead, "
        "e.g. {}-{}",
        response.remaining_partitions.size(), response.remaining_partitions.front().topic_name,
        response.remaining_partitions.front().partition_index);
    return left_over(broker);
  }
  return Outcome::kDone;
}

// Replicated partitions this broker still leads by its own view of the store.
size_t still_leading(Broker& broker) {
  size_t count = 0;
  for (const auto& partition : broker.replicas().all()) {
    if (partition->is_leader() && partition->state().replicas.size() > 1) ++count;
  }
  return count;
}

// The controller has written the new states; the watches bring them here shortly. Waiting for
// them makes this broker answer NOT_LEADER_OR_FOLLOWER (retriable) to the last producers rather
// than close their connections with requests in flight.
void wait_for_new_leaders(Broker& broker) {
  const auto deadline = std::chrono::steady_clock::now() + kFollowTimeout;
  while (still_leading(broker) > 0 && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(50ms);
  }
}

}  // namespace

bool shut_down_controlled(Broker& broker) {
  const auto& config = broker.config();
  if (config.zookeeper_connect.empty() || !config.controlled_shutdown_enable) return true;
  for (int32_t attempt = 1; attempt <= config.controlled_shutdown_max_retries; ++attempt) {
    const Outcome outcome = ask_controller(broker);
    if (outcome == Outcome::kDone) {
      wait_for_new_leaders(broker);
      spdlog::info(
          "controlled shutdown succeeded: leadership moved to other replicas ({} "
          "partition(s) still led here)",
          still_leading(broker));
      return true;
    }
    if (outcome == Outcome::kHopeless) break;
    if (attempt < config.controlled_shutdown_max_retries) {
      std::this_thread::sleep_for(
          std::chrono::milliseconds(config.controlled_shutdown_retry_backoff_ms));
    }
  }
  spdlog::warn("controlled shutdown incomplete: shutting down anyway");
  return false;
}

}  // namespace gregor::broker
