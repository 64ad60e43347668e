// What `gregor cluster` and `gregor partitions` need to know of the cluster beyond librdkafka's
// metadata: the cluster id, the controller and the brokers' racks, from a raw Metadata request,
// and the controller's address for requests only it answers (ElectLeaders).
#pragma once

#include <string>

#include "cli/client.h"
#include "protocol/messages/metadata.h"

namespace gregor::cli {

// The brokers, cluster id and controller as a bootstrap broker knows them (no topics).
protocol::MetadataResponse cluster_metadata(const Client& client);

// The controller among `md`'s brokers, or CliError when none is known.
const protocol::MetadataResponse::MetadataResponseBroker& controller_of(
    const protocol::MetadataResponse& md);

}  // namespace gregor::cli
