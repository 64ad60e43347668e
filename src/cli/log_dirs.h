// Partition sizes on disk, from DescribeLogDirs. librdkafka 2.0 has no call for that API, so the
// request goes to each leader directly (cli/broker_request.h).
#pragma once

#include <librdkafka/rdkafka.h>

#include <cstdint>
#include <map>

#include "cli/client.h"

namespace gregor::cli {

// Bytes on disk of each partition of `topic`, as its leader reports them. A partition whose
// leader cannot be asked (unreachable, or a listener that is not plaintext) is left out.
std::map<int32_t, int64_t> partition_sizes(const Client& client, const rd_kafka_metadata_t& md,
                                           const rd_kafka_metadata_topic_t& topic);

}  // namespace gregor::cli
