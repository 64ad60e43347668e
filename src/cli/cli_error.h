// How a subcommand fails: a CliError carries the one line the user sees ("error: <what>"), which
// says what to fix. main() turns it into exit code 1; usage errors (CLI11) exit with 2.
#pragma once

#include <stdexcept>
#include <string>

namespace gregor::cli {

class CliError : public std::runtime_error {
 public:
  explicit CliError(const std::string& message) : std::runtime_error(message) {}
};

}  // namespace gregor::cli
