// What the peer drivers (bench/peers/*_driver.cc) share: their command line and the summary they
// print, the same JSON as `gregor perf --output json`, so that bench/compare.py reads every
// system's results alike. Each driver loads one system with its fastest native client.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "cli/perf_stats.h"

namespace gregor::bench {

using Clock = std::chrono::steady_clock;

// `<driver> produce|consume --port P --topic T [--records N] [--record-size B] [--window W]`.
struct PeerOptions {
  std::string mode;  // "produce" or "consume"
  std::string host = "127.0.0.1";
  int port = 0;
  std::string topic = "bench";
  int64_t records = 100000;
  int record_size = 100;
  int window = 5000;  // records in flight (sent, not yet acknowledged) or fetched per batch
};

// Parses argv; prints the usage and exits with 2 on anything unknown or malformed.
PeerOptions parse_options(int argc, char** argv);

// What each driver defines: connect, run options.mode, print the summary. peer_main.cc's main()
// calls it with the parsed command line.
void run_driver(const PeerOptions& options);

// Runs `produce` or `consume`, as options.mode says.
void run_mode(const PeerOptions& options, const std::function<void()>& produce,
              const std::function<void()>& consume);

// Ends the process with a one-line message on stderr and exit code 1.
[[noreturn]] void fail(const std::string& what);

// Send-to-acknowledgement latency of numbered records (0 .. records-1): the driver marks each
// record when it leaves and when (or up to which number) the system acknowledged it.
class AckClock {
 public:
  explicit AckClock(int64_t records) : sent_(records) {}
  void sent(int64_t number) { sent_[number] = Clock::now(); }
  // Acknowledges `number` alone, or everything from the last acknowledged one up to it.
  void acked(int64_t number);
  void acked_up_to(int64_t number);
  int64_t acknowledged() const { return acknowledged_; }
  const cli::LatencyHistogram& histogram() const { return histogram_; }

 private:
  std::vector<Clock::time_point> sent_;
  cli::LatencyHistogram histogram_;
  int64_t next_unacked_ = 0;
  int64_t acknowledged_ = 0;
};

// Prints the JSON summary of `records` of `record_size` bytes moved since `start`.
void print_result(const PeerOptions& options, int64_t records, Clock::time_point start,
                  const cli::LatencyHistogram* latency);

// `record_size` bytes of filler, the payload of every produced record.
std::string payload(const PeerOptions& options);

}  // namespace gregor::bench
