#include "broker/api_registry.h"

#include <array>

#include "protocol/messages/api_versions.h"
#include "protocol/messages/create_partitions.h"
#include "protocol/messages/create_topics.h"
#include "protocol/messages/delete_topics.h"
#include "protocol/messages/fetch.h"
#include "protocol/messages/find_coordinator.h"
#include "protocol/messages/list_offsets.h"
#include "protocol/messages/metadata.h"
#include "protocol/messages/produce.h"

namespace gregor::broker {
namespace {

template <typename Request>
constexpr ApiHandler api(const char* name, int16_t min_served, void (*handle)(const RequestPtr&),
                         int16_t min_advertised = Request::kMinVersion) {
  return ApiHandler{
      Request::kApiKey,        name,  min_advertised, min_served, Request::kMaxVersion,
      Request::kFirstFlexible, handle};
}

using namespace protocol;

constexpr std::array kApis = {
    api<ProduceRequest>("Produce", 3, &handle_produce),
    api<FetchRequest>("Fetch", 4, &handle_fetch),
    api<ListOffsetsRequest>("ListOffsets", 0, &handle_list_offsets),
    api<MetadataRequest>("Metadata", 0, &handle_metadata),
    api<ApiVersionsRequest>("ApiVersions", 0, &handle_api_versions),
    api<CreateTopicsRequest>("CreateTopics", 0, &handle_create_topics),
    api<DeleteTopicsRequest>("DeleteTopics", 0, &handle_delete_topics),
    api<CreatePartitionsRequest>("CreatePartitions", 0, &handle_create_partitions),
    api<FindCoordinatorRequest>("FindCoordinator", 0, &handle_find_coordinator),
};

}  // namespace

std::span<const ApiHandler> api_handlers() {
  return kApis;
}

const ApiHandler* find_api(int16_t api_key) {
  for (const auto& handler : kApis) {
    if (handler.api_key == api_key) return &handler;
  }
  return nullptr;
}

}  // namespace gregor::broker
