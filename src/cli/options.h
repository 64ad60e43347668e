// Options every subcommand shares, filled by main() before a subcommand runs.
#pragma once

#include <string>

namespace gregor::cli {

enum class OutputFormat { kTable, kJson };

struct GlobalOptions {
  std::string bootstrap_server = "localhost:9092";  // or $GREGOR_BOOTSTRAP_SERVER
  std::string command_config;                       // a file of client properties
  OutputFormat output = OutputFormat::kTable;
  double timeout_s = 10;  // how long to wait for the broker before giving up

  int timeout_ms() const { return static_cast<int>(timeout_s * 1000); }
};

}  // namespace gregor::cli
