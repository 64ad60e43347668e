// The entry point of every driver: parses the command line (peer_run.h) and runs the driver.
#include "peer_run.h"

int main(int argc, char** argv) {
  gregor::bench::run_driver(gregor::bench::parse_options(argc, argv));
  return 0;
}
