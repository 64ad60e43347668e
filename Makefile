# Gregor's two commands:
#   make run    install what is missing, build, and start a broker on localhost:9092 (data in ./data)
#   make test   install what is missing, build, and run every test (unit, ZooKeeper and system)
# A plain `make` builds build/bin/gregor-server; `make bench` runs the side-by-side benchmark.

BUILD_DIR ?= build
PYTHON ?= /usr/bin/python3
CONFIG ?= config/server.properties

.PHONY: all build deps configure run test unit-test zookeeper-test system-test bench bench-cluster format clean

all: build

deps:
	@scripts/install-deps.sh

$(BUILD_DIR)/build.ninja:
	cmake -S . -B $(BUILD_DIR) -G Ninja

configure: $(BUILD_DIR)/build.ninja

build: configure
	cmake --build $(BUILD_DIR)

run: deps build
	$(BUILD_DIR)/bin/gregor-server --config $(CONFIG)

test: deps build unit-test zookeeper-test system-test

unit-test: build
	cd $(BUILD_DIR) && ctest --output-on-failure -L unit

# C++ tests against a real ZooKeeper server they start on a free loopback port.
zookeeper-test: build
	cd $(BUILD_DIR) && GREGOR_REQUIRE_ZOOKEEPER=1 ctest --output-on-failure -L zookeeper

system-test: build
	GREGOR_BIN=$(abspath $(BUILD_DIR))/bin/gregor-server GREGOR_BUILD=$(abspath $(BUILD_DIR)) \
	  GREGOR_REQUIRE_ZOOKEEPER=1 \
	  $(PYTHON) -m pytest -q tests/system

# Gregor side by side with Kafka and the others (docs/performance.md): installs what the bench
# needs on first use, then runs for a few minutes. BENCH_ARGS=--quick for a short check.
bench: deps build
	$(PYTHON) bench/compare.py $(BENCH_ARGS)

# Three brokers and ZooKeeper on this machine, replication factor 3 (about a minute).
bench-cluster: deps build
	$(PYTHON) bench/cluster.py $(BENCH_ARGS)

format:
	git ls-files '*.cc' '*.h' | xargs clang-format -i

clean:
	rm -rf $(BUILD_DIR)
