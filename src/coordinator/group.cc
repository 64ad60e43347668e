#include "coordinator/group.h"

#include <algorithm>

#include "protocol/data/consumer_protocol.h"
#include "protocol/versioned_data.h"

namespace gregor::coordinator {
namespace {

// The topics of a consumer's subscription (the consumer protocol's metadata); none when the
// metadata is not the consumer protocol's.
std::vector<std::string> subscribed_topics(const Bytes& metadata) {
  auto subscription = protocol::decode_versioned<protocol::ConsumerProtocolSubscription>(
      metadata, protocol::NewerVersions::kReadAsNewest);
  if (!subscription) return {};
  return std::move(subscription->body.topics);
}

}  // namespace

std::string_view state_name(GroupState state) {
  switch (state) {
    case GroupState::kEmpty:
      return "Empty";
    case GroupState::kPreparingRebalance:
      return "PreparingRebalance";
    case GroupState::kCompletingRebalance:
      return "CompletingRebalance";
    case GroupState::kStable:
      return "Stable";
    case GroupState::kDead:
      return "Dead";
  }
  return "Unknown";
}

const Bytes& Member::metadata_for(const std::string& protocol) const {
  static const Bytes kNone;
  for (const auto& p : protocols) {
    if (p.name == protocol) return p.metadata;
  }
  return kNone;
}

bool Group::all_members_joined() const {
  if (!pending_members.empty()) return false;
  return std::all_of(members.begin(), members.end(), [](const auto& entry) {
    return static_cast<bool>(entry.second.awaiting_join);
  });
}

int32_t Group::max_rebalance_timeout_ms() const {
  int32_t timeout = 0;
  for (const auto& [id, member] : members)
    timeout = std::max(timeout, member.rebalance_timeout_ms);
  return timeout;
}

bool Group::supports(const std::string& type, const std::vector<Protocol>& protocols) const {
  if (type.empty() || protocols.empty()) return false;
  if (members.empty()) return true;
  if (type != protocol_type) return false;
  return std::any_of(protocols.begin(), protocols.end(), [this](const Protocol& candidate) {
    return std::all_of(members.begin(), members.end(), [&](const auto& entry) {
      const auto& theirs = entry.second.protocols;
      return std::any_of(theirs.begin(), theirs.end(),
                         [&](const Protocol& p) { return p.name == candidate.name; });
    });
  });
}

std::optional<std::string> Group::select_protocol() const {
  if (members.empty()) return std::nullopt;
  // Candidates: supported by every member, in the first member's order of preference.
  std::vector<std::string> candidates;
  for (const auto& p : members.begin()->second.protocols) {
    const bool everyone = std::all_of(members.begin(), members.end(), [&](const auto& entry) {
      const auto& theirs = entry.second.protocols;
      return std::any_of(theirs.begin(), theirs.end(),
                         [&](const Protocol& q) { return q.name == p.name; });
    });
    if (everyone) candidates.push_back(p.name);
  }
  if (candidates.empty()) return std::nullopt;
  // Each member votes for the first candidate in its own order; most votes wins, ties go to
  // the earlier candidate.
  std::map<std::string, int> votes;
  for (const auto& [id, member] : members) {
    for (const auto& p : member.protocols) {
      if (std::find(candidates.begin(), candidates.end(), p.name) != candidates.end()) {
        ++votes[p.name];
        break;
      }
    }
  }
  std::string best = candidates.front();
  for (const auto& name : candidates) {
    if (votes[name] > votes[best]) best = name;
  }
  return best;
}

bool Group::subscribed_to(const std::string& topic) const {
  if (protocol_type != "consumer" || !protocol_name) return false;
  return std::any_of(members.begin(), members.end(), [&](const auto& entry) {
    const auto topics = subscribed_topics(entry.second.metadata_for(*protocol_name));
    return std::find(topics.begin(), topics.end(), topic) != topics.end();
  });
}

}  // namespace gregor::coordinator
