// gregor-server: starts one broker.
//
//   gregor-server --config config/server.properties [--override key=value]...
//
// Exits 0 after a clean shutdown on SIGTERM or SIGINT; exits 1 with a single line on stderr
// when the configuration is wrong or the broker cannot start.
#include <sys/resource.h>

#include <csignal>
#include <cstdio>
#include <string>
#include <vector>

#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

#include "broker/broker.h"
#include "broker/broker_config.h"
#include "broker/controlled_shutdown.h"
#include "common/properties.h"
#include "net/server.h"

namespace {

constexpr const char* kUsage =
    "usage: gregor-server --config FILE [--override key=value]...\n"
    "Starts a Gregor broker with the given server.properties; each --override replaces one "
    "key.\n";

int fail(const std::string& message) {
  std::fprintf(stderr, "gregor-server: %s\n", message.c_str());
  return 1;
}

struct Arguments {
  std::string config_path;
  std::vector<std::string> overrides;
};

bool parse_arguments(int argc, char** argv, Arguments& args, std::string& error) {
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if ((arg == "--config" || arg == "--override") && i + 1 < argc) {
      (arg == "--config" ? args.config_path = argv[++i] : args.overrides.emplace_back(argv[++i]));
    } else if (arg.starts_with("--config=")) {
      args.config_path = arg.substr(9);
    } else if (arg.starts_with("--override=")) {
      args.overrides.push_back(arg.substr(11));
    } else if (arg == "--help" || arg == "-h") {
      std::fputs(kUsage, stdout);
      std::exit(0);
    } else if (i == 1 && !arg.starts_with("-")) {
      args.config_path = arg;  // kafka-server-start.sh style: the file as first argument
    } else {
      error = "unexpected argument '" + arg + "' (see --help)";
      return false;
    }
  }
  if (args.config_path.empty()) error = "missing --config FILE (see --help)";
  return error.empty();
}

}  // namespace

// Every segment holds a descriptor (its .log) and every client a socket: take all the
// descriptors the hard limit allows, as a broker with thousands of partitions needs.
void raise_open_files_limit() {
  struct rlimit limit;
  if (::getrlimit(RLIMIT_NOFILE, &limit) != 0 || limit.rlim_cur >= limit.rlim_max) return;
  limit.rlim_cur = limit.rlim_max;
  if (::setrlimit(RLIMIT_NOFILE, &limit) == 0) {
    spdlog::info("open files limit raised to {}", limit.rlim_cur);
  }
}

int main(int argc, char** argv) {
  Arguments args;
  std::string error;
  if (!parse_arguments(argc, argv, args, error)) return fail(error);

  auto props = gregor::load_properties(args.config_path, error);
  if (!props) return fail(error);
  for (const auto& text : args.overrides) {
    auto kv = gregor::split_assignment(text);
    if (!kv) return fail("--override '" + text + "' is not key=value");
    (*props)[kv->first] = kv->second;
  }
  std::vector<std::string> warnings;
  auto config = gregor::broker::parse_broker_config(*props, error, warnings);
  if (!config) return fail(error);

  spdlog::set_default_logger(spdlog::stderr_color_mt("gregor"));
  spdlog::set_pattern("[%Y-%m-%d %H:%M:%S.%e] %^%l%$ %v");
  for (const auto& warning : warnings)
    spdlog::warn("{}", warning);
  raise_open_files_limit();

  // Signals are taken by sigwait on this thread only; every thread started later inherits the
  // blocked mask.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  std::signal(SIGPIPE, SIG_IGN);

  // Listeners first: a bad address or a port in use stops start-up before any log is opened.
  gregor::net::Server server(config->num_network_threads);
  if (!server.bind(config->listeners, error)) return fail(error);
  auto broker = gregor::broker::Broker::open(std::move(*config), error);
  if (!broker) return fail(error);
  if (!server.serve(*broker, error)) {
    server.stop();
    broker->shutdown();
    return fail(error);
  }

  int signal = 0;
  sigwait(&signals, &signal);
  spdlog::info("received signal {}, shutting down", signal);
  gregor::broker::shut_down_controlled(*broker);  // still serving while leaderships move
  server.stop();
  broker->shutdown();
  return 0;
}
