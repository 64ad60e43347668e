// Output for people (aligned tables) and for scripts (--output json). Pure: no I/O beyond the
// stream it is given.
#pragma once

#include <ostream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "cli/options.h"

namespace gregor::cli {

// A table whose columns are as wide as their widest cell, separated by two spaces. Cells are
// JSON values so that --output json keeps numbers as numbers; a null cell prints as "-".
struct Table {
  std::vector<std::string> columns;
  std::vector<std::vector<nlohmann::json>> rows;

  void print(std::ostream& out) const;
  // An array of objects keyed by the lower-cased column names.
  nlohmann::json to_json() const;
};

// A cell as a table shows it: strings bare, null as "-", anything else as JSON.
std::string cell_text(const nlohmann::json& cell);

// Prints `table` as a table or as JSON, as `format` says.
void emit(const Table& table, OutputFormat format, std::ostream& out);

}  // namespace gregor::cli
