#include "peer_run.h"

#include <cstdlib>
#include <iostream>
#include <string_view>

namespace gregor::bench {

namespace {

[[noreturn]] void usage(const char* program) {
  std::cerr << "usage: " << program
            << " produce|consume --port P [--host H] [--topic T] [--records N]"
               " [--record-size B] [--window W]\n";
  std::exit(2);
}

int64_t positive(const char* program, const char* text) {
  char* end = nullptr;
  const long long value = std::strtoll(text, &end, 10);
  if (end == text || *end != '\0' || value <= 0) usage(program);
  return value;
}

}  // namespace

PeerOptions parse_options(int argc, char** argv) {
  PeerOptions options;
  if (argc < 2) usage(argv[0]);
  options.mode = argv[1];
  if (options.mode != "produce" && options.mode != "consume") usage(argv[0]);
  for (int i = 2; i < argc; i += 2) {
    if (i + 1 >= argc) usage(argv[0]);
    const std::string_view flag = argv[i];
    const char* value = argv[i + 1];
    if (flag == "--host")
      options.host = value;
    else if (flag == "--port")
      options.port = static_cast<int>(positive(argv[0], value));
    else if (flag == "--topic")
      options.topic = value;
    else if (flag == "--records")
      options.records = positive(argv[0], value);
    else if (flag == "--record-size")
      options.record_size = static_cast<int>(positive(argv[0], value));
    else if (flag == "--window")
      options.window = static_cast<int>(positive(argv[0], value));
    else
      usage(argv[0]);
  }
  if (options.port == 0) usage(argv[0]);
  return options;
}

void run_mode(const PeerOptions& options, const std::function<void()>& produce,
              const std::function<void()>& consume) {
  if (options.mode == "produce")
    produce();
  else
    consume();
}

void fail(const std::string& what) {
  std::cerr << what << '\n';
  std::exit(1);
}

void AckClock::acked(int64_t number) {
  if (number < 0 || number >= static_cast<int64_t>(sent_.size()))
    fail("an acknowledgement of record " + std::to_string(number) + ", which was never sent");
  histogram_.record(
      std::chrono::duration_cast<std::chrono::microseconds>(Clock::now() - sent_[number]).count());
  ++acknowledged_;
}

void AckClock::acked_up_to(int64_t number) {
  for (; next_unacked_ <= number; ++next_unacked_)
    acked(next_unacked_);
}

void print_result(const PeerOptions& options, int64_t records, Clock::time_point start,
                  const cli::LatencyHistogram* latency) {
  cli::PerfTotals totals;
  totals.kind = options.mode;
  totals.records = records;
  totals.bytes = records * options.record_size;
  totals.seconds = std::chrono::duration<double>(Clock::now() - start).count();
  totals.latency = latency;
  cli::print_summary(totals, cli::OutputFormat::kJson, std::cout);
}

std::string payload(const PeerOptions& options) {
  return std::string(static_cast<size_t>(options.record_size), 'x');
}

}  // namespace gregor::bench
