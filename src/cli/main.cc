// gregor: the command-line tool for Gregor (and any Kafka cluster). Exit codes: 0 success,
// 1 the command failed (one line on stderr says why), 2 the command line is wrong.
#include <CLI/CLI.hpp>

#include <iostream>

#include "cli/cli_error.h"
#include "cli/commands.h"
#include "cli/options.h"

int main(int argc, char** argv) {
  using namespace gregor::cli;
  GlobalOptions options;
  CLI::App app{"gregor: manage and use a Gregor (or Kafka) cluster", "gregor"};
  app.require_subcommand(1);
  app.fallthrough();
  app.footer(
      "Examples:\n"
      "  gregor topic create orders --partitions 3\n"
      "  echo hello | gregor produce orders\n"
      "  gregor consume orders --from-beginning --exit-at-end\n"
      "  gregor group describe billing\n"
      "Run `gregor <command> --help` for each command's options.");
  app.add_option("--bootstrap-server", options.bootstrap_server, "Broker host:port to connect to")
      ->envname("GREGOR_BOOTSTRAP_SERVER")
      ->capture_default_str();
  app.add_option("--command-config", options.command_config,
                 "File of client properties (key=value lines) passed to librdkafka");
  app.add_option("--output", "Output format: table (for people) or json (for scripts)")
      ->check(CLI::IsMember({"table", "json"}))
      ->each([&options](const std::string& value) {
        options.output = value == "json" ? OutputFormat::kJson : OutputFormat::kTable;
      });
  app.add_option("--timeout", options.timeout_s, "Seconds to wait for the broker")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();

  add_topic_commands(app, options);
  add_produce_command(app, options);
  add_consume_command(app, options);
  add_config_commands(app, options);
  add_offsets_commands(app, options);
  add_group_commands(app, options);
  add_log_commands(app, options);
  add_perf_commands(app, options);
  add_cluster_commands(app, options);

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    const int rc = app.exit(e);
    return rc == 0 ? 0 : 2;
  } catch (const CliError& e) {
    std::cerr << "error: " << e.what() << '\n';
    return 1;
  }
  return 0;
}
