// gregor log dump: decodes a segment file offline (no broker needed), like kafka-dump-log.
#include <fstream>
#include <iostream>
#include <iterator>

#include "cli/cli_error.h"
#include "cli/commands.h"
#include "cli/log_dump.h"

namespace gregor::cli {
namespace {

struct DumpArgs {
  std::string file;
  bool batches_only = false;
};

void dump(const GlobalOptions& options, const DumpArgs& args) {
  std::ifstream in(args.file, std::ios::binary);
  if (!in) throw CliError("cannot read segment file " + args.file);
  std::vector<uint8_t> data((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  const auto result = dump_segment(data);
  if (options.output == OutputFormat::kJson) {
    std::cout << dump_json(result).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace)
              << '\n';
  } else {
    std::cout << "Dumping " << args.file << '\n' << dump_text(result, !args.batches_only);
  }
}

}  // namespace

void add_log_commands(CLI::App& app, const GlobalOptions& options) {
  auto* log = app.add_subcommand("log", "Inspect log files offline");
  log->require_subcommand(1);
  log->footer("Examples:\n  gregor log dump /var/lib/gregor/orders-0/00000000000000000000.log");
  auto args = std::make_shared<DumpArgs>();
  auto* d = log->add_subcommand("dump", "Decode the batches and records of a segment file");
  d->add_option("file", args->file, "A segment file (<base offset>.log)")->required();
  d->add_flag("--batches-only", args->batches_only, "Print batch headers, not records");
  d->footer(
      "Examples:\n"
      "  gregor log dump /var/lib/gregor/orders-0/00000000000000000000.log\n"
      "  gregor log dump 00000000000000000000.log --output json");
  d->callback([&options, args] { dump(options, *args); });
}

}  // namespace gregor::cli
