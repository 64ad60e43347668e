#!/bin/sh
# Kafka's zookeeper-server-start.sh: runs Debian's ZooKeeper (package `zookeeper`) with a
# zookeeper.properties file, so that a cluster's quick start needs nothing else.
#   zookeeper-server-start.sh [-daemon] config/zookeeper.properties
# The server's PID goes to $LOG_DIR/zookeeper-<clientPort>.pid (LOG_DIR defaults to logs/ next
# to bin/), where zookeeper-server-stop.sh finds it; with -daemon its output goes to
# $LOG_DIR/zookeeper.out. KAFKA_HEAP_OPTS (default -Xmx512M) and KAFKA_OPTS go to java.
here=$(dirname "$(readlink -f "$0")")
usage="usage: zookeeper-server-start.sh [-daemon] zookeeper.properties"
zookeeper_jar=/usr/share/java/zookeeper.jar
log_binding=/usr/share/java/slf4j-simple.jar
daemon=no
if [ "$1" = "-daemon" ]; then daemon=yes; shift; fi
if [ $# -ne 1 ]; then echo "$usage" >&2; exit 2; fi
case "$1" in
  -h|--help) echo "$usage"; exit 0 ;;
  -*) echo "zookeeper-server-start.sh: unknown option $1 (see --help)" >&2; exit 2 ;;
esac
config=$1
if [ ! -r "$config" ]; then
  echo "zookeeper-server-start.sh: cannot read $config" >&2
  exit 1
fi
java=${JAVA_HOME:+$JAVA_HOME/bin/java}
java=${java:-/usr/bin/java}
if [ ! -r "$zookeeper_jar" ] || [ ! -x "$java" ]; then
  echo "ZooKeeper is not installed: apt-get install zookeeper" >&2
  exit 1
fi
classpath=$zookeeper_jar
[ -r "$log_binding" ] && classpath=$classpath:$log_binding

# One PID file per client port: several servers (each its own config) can run side by side.
port=$(sed -n 's/^[[:space:]]*clientPort[[:space:]]*=[[:space:]]*\([0-9][0-9]*\).*/\1/p' "$config" | tail -n 1)
log_dir=${LOG_DIR:-$here/../logs}
mkdir -p "$log_dir" || exit 1
pid_file=$log_dir/zookeeper-${port:-2181}.pid
if [ -r "$pid_file" ]; then
  pid=$(cat "$pid_file")
  if [ -n "$pid" ] && grep -q QuorumPeerMain "/proc/$pid/cmdline" 2>/dev/null; then
    echo "zookeeper-server-start.sh: ZooKeeper already runs on port ${port:-2181} (PID $pid)" >&2
    exit 1
  fi
fi

# Word splitting of the option variables is intended: each holds several java options.
# shellcheck disable=SC2086
set -- ${KAFKA_HEAP_OPTS:--Xmx512M} $KAFKA_OPTS -cp "$classpath" \
  org.apache.zookeeper.server.quorum.QuorumPeerMain "$config"
if [ "$daemon" = yes ]; then
  nohup "$java" "$@" > "$log_dir/zookeeper.out" 2>&1 < /dev/null &
  echo $! > "$pid_file"
  exit 0
fi
echo $$ > "$pid_file"  # exec keeps the PID: the file names the server
exec "$java" "$@"
