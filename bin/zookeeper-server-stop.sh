#!/bin/sh
# Kafka's zookeeper-server-stop.sh: stops the ZooKeeper servers zookeeper-server-start.sh started
# (their PID files in $LOG_DIR, default logs/ next to bin/), or with a zookeeper.properties file
# only the one on that file's clientPort. Unlike Kafka's, it never stops a ZooKeeper it did not
# start. SIGTERM, then up to 30 s for each to exit.
#   zookeeper-server-stop.sh [zookeeper.properties]
here=$(dirname "$(readlink -f "$0")")
log_dir=${LOG_DIR:-$here/../logs}
case "$1" in
  -h|--help) echo "usage: zookeeper-server-stop.sh [zookeeper.properties]"; exit 0 ;;
  -*) echo "zookeeper-server-stop.sh: unknown option $1 (see --help)" >&2; exit 2 ;;
esac
if [ $# -gt 1 ]; then echo "usage: zookeeper-server-stop.sh [zookeeper.properties]" >&2; exit 2; fi
pattern="zookeeper-*.pid"
if [ $# -eq 1 ]; then
  if [ ! -r "$1" ]; then echo "zookeeper-server-stop.sh: cannot read $1" >&2; exit 1; fi
  port=$(sed -n 's/^[[:space:]]*clientPort[[:space:]]*=[[:space:]]*\([0-9][0-9]*\).*/\1/p' "$1" | tail -n 1)
  pattern="zookeeper-${port:-2181}.pid"
fi
stopped=0
for pid_file in "$log_dir"/$pattern; do
  [ -r "$pid_file" ] || continue
  pid=$(cat "$pid_file")
  # A PID of a server that is gone may belong to another process by now: only a QuorumPeerMain.
  if [ -n "$pid" ] && grep -q QuorumPeerMain "/proc/$pid/cmdline" 2>/dev/null; then
    kill -s TERM "$pid"
    waited=0
    # A zombie (exited, not yet reaped by its parent) has an empty cmdline: it counts as stopped.
    while grep -q QuorumPeerMain "/proc/$pid/cmdline" 2>/dev/null && [ $waited -lt 300 ]; do
      sleep 0.1
      waited=$((waited + 1))
    done
    if grep -q QuorumPeerMain "/proc/$pid/cmdline" 2>/dev/null; then
      echo "zookeeper-server-stop.sh: ZooKeeper (PID $pid) did not stop within 30 s" >&2
      exit 1
    fi
    stopped=$((stopped + 1))
  fi
  rm -f "$pid_file"
done
if [ $stopped -eq 0 ]; then
  echo "No zookeeper server to stop"
  exit 1
fi
