#include "cli/api_versions_view.h"

#include <algorithm>

namespace gregor::cli {
namespace {

const protocol::ApiSchemaInfo* find_known(int16_t key,
                                          std::span<const protocol::ApiSchemaInfo> known) {
  for (const auto& api : known) {
    if (api.key == key) return &api;
  }
  return nullptr;
}

}  // namespace

std::string api_name(int16_t key, std::span<const protocol::ApiSchemaInfo> known) {
  const auto* api = find_known(key, known);
  return api != nullptr ? api->name : "UNKNOWN";
}

std::vector<ApiSupport> compare_api_versions(const std::vector<ApiVersionRange>& broker,
                                             std::span<const protocol::ApiSchemaInfo> known) {
  std::vector<ApiSupport> rows;
  for (const auto& range : broker) {
    ApiSupport row{range.key,         api_name(range.key, known),
                   range.min_version, range.max_version,
                   std::nullopt,      ""};
    if (const auto* ours = find_known(range.key, known)) {
      if (range.max_version < ours->min_version) {
        row.note = "node too old";
      } else if (range.min_version > ours->max_version) {
        row.note = "node too new";
      } else {
        row.usable = std::min(range.max_version, ours->max_version);
      }
    }
    rows.push_back(std::move(row));
  }
  for (const auto& api : known) {
    const bool served = std::any_of(broker.begin(), broker.end(),
                                    [&](const ApiVersionRange& r) { return r.key == api.key; });
    if (!served)
      rows.push_back({api.key, api.name, std::nullopt, std::nullopt, std::nullopt, "unsupported"});
  }
  std::stable_sort(rows.begin(), rows.end(),
                   [](const ApiSupport& a, const ApiSupport& b) { return a.key < b.key; });
  return rows;
}

}  // namespace gregor::cli
