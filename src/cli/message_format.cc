#include "cli/message_format.h"

#include <nlohmann/json.hpp>

namespace gregor::cli {
namespace {

std::string or_null(const std::optional<std::string_view>& text) {
  return text ? std::string(*text) : "null";
}

std::string headers_text(const MessageFields& message) {
  std::string out;
  for (const auto& [key, value] : message.headers) {
    if (!out.empty()) out += ',';
    out += key + "=" + value.value_or("null");
  }
  return out;
}

}  // namespace

std::string format_message(std::string_view format, const MessageFields& message) {
  std::string out;
  for (size_t i = 0; i < format.size(); ++i) {
    const char c = format[i];
    if ((c != '%' && c != '\\') || i + 1 == format.size()) {
      out += c;
      continue;
    }
    const char next = format[++i];
    if (c == '\\') {
      out += next == 'n' ? '\n' : next == 't' ? '\t' : next;
      continue;
    }
    switch (next) {
      case 'k':
        out += or_null(message.key);
        break;
      case 'v':
        out += or_null(message.value);
        break;
      case 'h':
        out += headers_text(message);
        break;
      case 'p':
        out += std::to_string(message.partition);
        break;
      case 'o':
        out += std::to_string(message.offset);
        break;
      case 't':
        out += std::to_string(message.timestamp);
        break;
      case 'T':
        out += message.topic;
        break;
      case '%':
        out += '%';
        break;
      default:
        out += '%';
        out += next;
    }
  }
  return out;
}

std::string message_json(const MessageFields& message) {
  auto text = [](const std::optional<std::string_view>& v) -> nlohmann::json {
    return v ? nlohmann::json(std::string(*v)) : nlohmann::json(nullptr);
  };
  nlohmann::json headers = nlohmann::json::object();
  for (const auto& [key, value] : message.headers) {
    headers[key] = value ? nlohmann::json(*value) : nlohmann::json(nullptr);
  }
  return nlohmann::json{{"topic", std::string(message.topic)},
                        {"partition", message.partition},
                        {"offset", message.offset},
                        {"timestamp", message.timestamp},
                        {"key", text(message.key)},
                        {"value", text(message.value)},
                        {"headers", headers}}
      .dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

std::optional<std::pair<std::string, std::string>> parse_header(std::string_view text) {
  const auto eq = text.find('=');
  if (eq == std::string_view::npos || eq == 0) return std::nullopt;
  return std::pair{std::string(text.substr(0, eq)), std::string(text.substr(eq + 1))};
}

std::optional<std::pair<std::string, std::string>> split_key(std::string_view line,
                                                             std::string_view separator) {
  const auto at = line.find(separator);
  if (separator.empty() || at == std::string_view::npos) return std::nullopt;
  return std::pair{std::string(line.substr(0, at)),
                   std::string(line.substr(at + separator.size()))};
}

}  // namespace gregor::cli
