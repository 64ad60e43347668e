#include "cluster/replica_assignment.h"

#include <algorithm>
#include <map>
#include <set>

namespace gregor::cluster {
namespace {

// The broker that holds the `nth` follower of a partition led by brokers[first]: never the
// leader itself, and with the shift, a different broker for each round of partitions.
size_t follower_index(size_t first, int64_t shift, int64_t nth, size_t count) {
  auto step = 1 + (shift + nth) % static_cast<int64_t>(count - 1);
  return (first + static_cast<size_t>(step)) % count;
}

// a1, b1, c1, a2, b2, c2, a3, ...: racks in name order, brokers by id within a rack.
std::vector<BrokerPlacement> interleave_racks(const std::vector<BrokerPlacement>& sorted) {
  std::map<std::string, std::vector<BrokerPlacement>> by_rack;
  for (const auto& broker : sorted)
    by_rack[*broker.rack].push_back(broker);
  std::vector<BrokerPlacement> out;
  for (size_t round = 0; out.size() < sorted.size(); ++round) {
    for (const auto& [rack, members] : by_rack) {
      if (round < members.size()) out.push_back(members[round]);
    }
  }
  return out;
}

struct Plan {
  size_t start;
  int64_t shift;
  int32_t first_partition;
  int32_t partitions;
  int32_t replication_factor;
};

std::vector<std::vector<int32_t>> place_plain(const std::vector<BrokerPlacement>& brokers,
                                              Plan plan) {
  std::vector<std::vector<int32_t>> out;
  const size_t n = brokers.size();
  int64_t shift = plan.shift;
  for (int32_t p = plan.first_partition; p < plan.first_partition + plan.partitions; ++p) {
    if (p > 0 && p % static_cast<int64_t>(n) == 0) ++shift;
    size_t first = (static_cast<size_t>(p) + plan.start) % n;
    std::vector<int32_t> replicas{brokers[first].id};
    for (int32_t j = 0; j + 1 < plan.replication_factor; ++j) {
      replicas.push_back(brokers[follower_index(first, shift, j, n)].id);
    }
    out.push_back(std::move(replicas));
  }
  return out;
}

std::vector<std::vector<int32_t>> place_rack_aware(const std::vector<BrokerPlacement>& sorted,
                                                   Plan plan) {
  const auto brokers = interleave_racks(sorted);
  const size_t n = brokers.size();
  std::set<std::string> all_racks;
  for (const auto& broker : brokers)
    all_racks.insert(*broker.rack);
  const auto num_racks = static_cast<int64_t>(all_racks.size());
  std::vector<std::vector<int32_t>> out;
  int64_t shift = plan.shift;
  for (int32_t p = plan.first_partition; p < plan.first_partition + plan.partitions; ++p) {
    if (p > 0 && p % static_cast<int64_t>(n) == 0) ++shift;
    size_t first = (static_cast<size_t>(p) + plan.start) % n;
    std::vector<int32_t> replicas{brokers[first].id};
    std::set<std::string> racks{*brokers[first].rack};
    int64_t k = 0;
    while (replicas.size() < static_cast<size_t>(plan.replication_factor)) {
      const auto& candidate = brokers[follower_index(first, shift * num_racks, k++, n)];
      bool rack_ok = !racks.contains(*candidate.rack) || racks.size() == all_racks.size();
      bool broker_ok = std::find(replicas.begin(), replicas.end(), candidate.id) == replicas.end();
      if (rack_ok && broker_ok) {
        replicas.push_back(candidate.id);
        racks.insert(*candidate.rack);
      }
    }
    out.push_back(std::move(replicas));
  }
  return out;
}

// The checks shared by both entry points; kNone when the request can be placed.
AssignmentResult validate(const std::vector<BrokerPlacement>& sorted, int32_t partitions,
                          int32_t replication_factor) {
  if (partitions <= 0) {
    return {ErrorCode::kInvalidPartitions, "Number of partitions must be larger than 0.", {}};
  }
  if (replication_factor <= 0) {
    return {ErrorCode::kInvalidReplicationFactor, "Replication factor must be larger than 0.", {}};
  }
  if (static_cast<size_t>(replication_factor) > sorted.size()) {
    return {ErrorCode::kInvalidReplicationFactor,
            "Unable to replicate the partition " + std::to_string(replication_factor) +
                " time(s): The target replication factor of " + std::to_string(replication_factor) +
                " cannot be reached because only " + std::to_string(sorted.size()) +
                " broker(s) are registered.",
            {}};
  }
  for (size_t i = 1; i < sorted.size(); ++i) {
    if (sorted[i].id == sorted[i - 1].id) {
      return {ErrorCode::kInvalidReplicaAssignment,
              "Duplicate broker id " + std::to_string(sorted[i].id),
              {}};
    }
  }
  auto with_rack =
      std::count_if(sorted.begin(), sorted.end(), [](const auto& b) { return b.rack; });
  if (with_rack != 0 && static_cast<size_t>(with_rack) != sorted.size()) {
    return {ErrorCode::kInvalidReplicationFactor,
            "Not all brokers have rack information for replica rack aware assignment.",
            {}};
  }
  return {};
}

}  // namespace

AssignmentResult assign_replicas(std::vector<BrokerPlacement> brokers, int32_t partitions,
                                 int32_t replication_factor, std::mt19937& rng,
                                 int32_t first_partition, int32_t start_index,
                                 int32_t replica_shift) {
  std::sort(brokers.begin(), brokers.end(),
            [](const auto& a, const auto& b) { return a.id < b.id; });
  AssignmentResult result = validate(brokers, partitions, replication_factor);
  if (!result.ok()) return result;
  auto random_index = [&] {
    return std::uniform_int_distribution<size_t>(0, brokers.size() - 1)(rng);
  };
  Plan plan{start_index >= 0 ? static_cast<size_t>(start_index) % brokers.size() : random_index(),
            replica_shift >= 0 ? replica_shift : static_cast<int64_t>(random_index()),
            std::max(0, first_partition), partitions, replication_factor};
  bool rack_aware = brokers.front().rack.has_value();
  result.replicas = rack_aware ? place_rack_aware(brokers, plan) : place_plain(brokers, plan);
  return result;
}

AssignmentResult assign_added_partitions(std::vector<BrokerPlacement> brokers,
                                         const std::vector<std::vector<int32_t>>& existing,
                                         int32_t new_count, std::mt19937& rng) {
  const auto current = static_cast<int32_t>(existing.size());
  if (existing.empty() || existing.front().empty() || new_count <= current) {
    return {ErrorCode::kInvalidPartitions,
            "Topic currently has " + std::to_string(current) + " partitions, " +
                std::to_string(new_count) + " would not be an increase.",
            {}};
  }
  std::sort(brokers.begin(), brokers.end(),
            [](const auto& a, const auto& b) { return a.id < b.id; });
  // Continue from partition 0's leader (the first broker with an id at least as large).
  int32_t leader = existing.front().front();
  auto at =
      std::find_if(brokers.begin(), brokers.end(), [&](const auto& b) { return b.id >= leader; });
  auto start = at == brokers.end() ? 0 : static_cast<int32_t>(at - brokers.begin());
  return assign_replicas(std::move(brokers), new_count - current,
                         static_cast<int32_t>(existing.front().size()), rng, current, start, start);
}

}  // namespace gregor::cluster
