#!/usr/bin/env bash
# Installs the Debian packages Gregor needs to build, run and test, skipping the ones present.
# Safe to run repeatedly; it only calls apt when something is missing.
set -euo pipefail

packages=(
  # toolchain
  g++ cmake ninja-build ccache pkg-config make
  # libraries the broker links
  libasio-dev libssl-dev zlib1g-dev libsnappy-dev liblz4-dev libzstd-dev
  libspdlog-dev libfmt-dev nlohmann-json3-dev libcli11-dev
  # Kafka client library used by the CLI and by tests
  librdkafka-dev
  # ZooKeeper: the C client the cluster metadata store links, the server (on Java) the
  # ZooKeeper tests start, and the Python client the system tests inspect it with
  libzookeeper-mt-dev zookeeper python3-kazoo
  # code generation and system tests
  python3 python3-pytest python3-confluent-kafka python3-kafka kcat
  # the codecs kafka-python needs for snappy, lz4 and zstd
  python3-snappy python3-lz4 python3-zstandard
  # unit tests and micro-benchmarks
  libgtest-dev libgmock-dev libbenchmark-dev
)

missing=()
for p in "${packages[@]}"; do
  status=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)
  [[ "$status" == "install ok installed" ]] || missing+=("$p")
done
[[ ${#missing[@]} -eq 0 ]] && exit 0

sudo=""
[[ $(id -u) -eq 0 ]] || sudo="sudo"
echo "installing: ${missing[*]}"
$sudo apt-get update -qq
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
