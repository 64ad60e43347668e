// The subcommand groups of `gregor`, one file each. Each adds its subcommands to `app`; their
// callbacks run after parsing, with `options` filled in, and throw CliError on failure.
#pragma once

#include <CLI/CLI.hpp>

#include "cli/options.h"

namespace gregor::cli {

void add_topic_commands(CLI::App& app, const GlobalOptions& options);
void add_produce_command(CLI::App& app, const GlobalOptions& options);
void add_consume_command(CLI::App& app, const GlobalOptions& options);
void add_config_commands(CLI::App& app, const GlobalOptions& options);
void add_offsets_commands(CLI::App& app, const GlobalOptions& options);
void add_log_commands(CLI::App& app, const GlobalOptions& options);
void add_group_commands(CLI::App& app, const GlobalOptions& options);
// Adds `reset-offsets` to the `group` subcommand.
void add_group_reset_command(CLI::App& group, const GlobalOptions& options);
void add_perf_commands(CLI::App& app, const GlobalOptions& options);
// `cluster info` and `partitions elect-leaders`.
void add_cluster_commands(CLI::App& app, const GlobalOptions& options);
// Adds `api-versions` and `log-dirs` to the `cluster` subcommand.
void add_broker_info_commands(CLI::App& cluster, const GlobalOptions& options);
// Adds `reassign` and `reassignments` to the `partitions` subcommand.
void add_reassign_commands(CLI::App& partitions, const GlobalOptions& options);

}  // namespace gregor::cli
