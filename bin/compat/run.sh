#!/bin/sh
# Kafka's scripts on top of gregor. bin/kafka-*.sh are links to this file; the name the script
# was called by says which one it is (see docs/kafka-scripts.md).
here=$(dirname "$(readlink -f "$0")")
exec python3 "$here/main.py" "$(basename "$0" .sh)" "$@"
