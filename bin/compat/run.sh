#!/bin/sh
# Kafka's scripts on top of gregor. bin/kafka-*.sh are links to this file; the name the script
# was called by says which one it is (see docs/kafka-scripts.md).
#
# Debian's interpreter first: --zookeeper needs python3-kazoo, which Debian installs for
# /usr/bin/python3 only, and the `python3` first on PATH may be another one (pyenv, a venv)
# without it. Everything else is standard library, so any python3 does when there is no Debian one.
here=$(dirname "$(readlink -f "$0")")
python=/usr/bin/python3
[ -x "$python" ] || python=python3
exec "$python" "$here/main.py" "$(basename "$0" .sh)" "$@"
