#include "cli/output.h"

#include <algorithm>
#include <cctype>

namespace gregor::cli {

std::string cell_text(const nlohmann::json& cell) {
  if (cell.is_string()) return cell.get<std::string>();
  if (cell.is_null()) return "-";
  return cell.dump();
}

void Table::print(std::ostream& out) const {
  std::vector<std::vector<std::string>> texts;
  for (const auto& row : rows) {
    auto& text = texts.emplace_back();
    for (const auto& cell : row)
      text.push_back(cell_text(cell));
  }
  std::vector<size_t> widths;
  for (const auto& column : columns)
    widths.push_back(column.size());
  for (const auto& row : texts) {
    for (size_t i = 0; i < row.size() && i < widths.size(); ++i) {
      widths[i] = std::max(widths[i], row[i].size());
    }
  }
  auto line = [&](const std::vector<std::string>& cells) {
    std::string text;
    for (size_t i = 0; i < cells.size() && i < widths.size(); ++i) {
      text += cells[i];
      if (i + 1 < cells.size()) text += std::string(widths[i] - cells[i].size() + 2, ' ');
    }
    out << text << '\n';
  };
  line(columns);
  for (const auto& row : texts)
    line(row);
}

nlohmann::json Table::to_json() const {
  auto array = nlohmann::json::array();
  for (const auto& row : rows) {
    nlohmann::json object = nlohmann::json::object();
    for (size_t i = 0; i < row.size() && i < columns.size(); ++i) {
      std::string key = columns[i];
      std::transform(key.begin(), key.end(), key.begin(), [](unsigned char c) {
        return c == ' ' ? '_' : static_cast<char>(std::tolower(c));
      });
      object[key] = row[i];
    }
    array.push_back(std::move(object));
  }
  return array;
}

void emit(const Table& table, OutputFormat format, std::ostream& out) {
  if (format == OutputFormat::kJson) {
    out << table.to_json().dump() << '\n';
  } else {
    table.print(out);
  }
}

}  // namespace gregor::cli
