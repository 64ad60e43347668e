#!/bin/sh
# Kafka's kafka-server-start.sh: runs gregor-server with a server.properties file.
#   kafka-server-start.sh [-daemon] server.properties [--override key=value ...]
# gregor-server comes from $GREGOR_BUILD/bin, the build next to this script, or PATH.
here=$(dirname "$(readlink -f "$0")")
usage="usage: kafka-server-start.sh [-daemon] server.properties [--override property=value]*"
daemon=no
if [ "$1" = "-daemon" ]; then daemon=yes; shift; fi
if [ $# -lt 1 ]; then echo "$usage" >&2; exit 2; fi
case "$1" in
  -h|--help) echo "$usage"; exit 0 ;;
  -*) echo "kafka-server-start.sh: unknown option $1 (see --help)" >&2; exit 2 ;;
esac
server=""
for candidate in "${GREGOR_BUILD:+$GREGOR_BUILD/bin/gregor-server}" \
                 "$here/../build/bin/gregor-server" "$(command -v gregor-server)"; do
  if [ -n "$candidate" ] && [ -x "$candidate" ]; then server=$candidate; break; fi
done
if [ -z "$server" ]; then
  echo "cannot find \`gregor-server\`: build Gregor (cmake --build build), put it on PATH or set GREGOR_BUILD" >&2
  exit 1
fi
config=$1
shift
if [ "$daemon" = yes ]; then
  # As Kafka: detached, its output in $LOG_DIR (default: logs/ next to the scripts).
  log_dir=${LOG_DIR:-$here/../logs}
  mkdir -p "$log_dir" || exit 1
  nohup "$server" --config "$config" "$@" > "$log_dir/server.out" 2>&1 < /dev/null &
  exit 0
fi
exec "$server" --config "$config" "$@"
