"""What every Kafka-style script shares: finding `gregor`, parsing Kafka's flags with one-line
usage errors (exit 2), running `gregor` and passing its errors through, and Kafka's layouts."""

from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
from pathlib import Path

BIN_DIR = Path(__file__).resolve().parents[1]
REPO = BIN_DIR.parent


def find_binary(name: str) -> str:
    """`name` from $GREGOR_BUILD/bin, the build next to these scripts, then PATH."""
    candidates = []
    if os.environ.get("GREGOR_BUILD"):
        candidates.append(Path(os.environ["GREGOR_BUILD"]) / "bin" / name)
    candidates.append(REPO / "build" / "bin" / name)
    for candidate in candidates:
        if os.access(candidate, os.X_OK):
            return str(candidate)
    found = shutil.which(name)
    if found:
        return found
    fail(f"cannot find `{name}`: build Gregor (cmake --build build), put it on PATH or set "
         "GREGOR_BUILD")


def fail(message: str, code: int = 1) -> None:
    sys.stderr.write(f"{message}\n")
    sys.exit(code)


# The name usage errors start with when a script runs as `kafka-run-class.sh <class>`: the class.
PROG_OVERRIDE: str | None = None


class Parser(argparse.ArgumentParser):
    """Kafka's flags; a wrong command line is one line on stderr and exit code 2. A parser with
    --zookeeper (add_connection) turns it into --bootstrap-server once the flags are parsed."""

    def __init__(self, prog: str, description: str):
        super().__init__(prog=PROG_OVERRIDE or prog, description=description, allow_abbrev=False)

    def parse_args(self, args=None, namespace=None):
        parsed = super().parse_args(args, namespace)
        if getattr(parsed, "zookeeper", None):
            if parsed.bootstrap_server or getattr(parsed, "broker_list", None):
                self.usage_error("give either --zookeeper or --bootstrap-server, not both")
            parsed.bootstrap_server = brokers_from_zookeeper(parsed.zookeeper)
        return parsed

    def error(self, message: str) -> None:
        fail(f"{self.prog}: {message} (see --help)", 2)

    def usage_error(self, message: str) -> None:
        self.error(message)


def add_connection(parser: Parser, config_flag: str = "--command-config",
                   zookeeper: bool = False, broker_list: bool = True) -> None:
    """--bootstrap-server, the client config flag, and (unless the tool gives it another meaning,
    as kafka-log-dirs.sh does) --broker-list, the older name of --bootstrap-server."""
    parser.add_argument("--bootstrap-server", help="Broker host:port (default localhost:9092)")
    if broker_list:
        parser.add_argument("--broker-list", help="Deprecated name of --bootstrap-server")
    parser.add_argument(config_flag, dest="command_config", help="Client properties file")
    if zookeeper:
        add_zookeeper(parser)


def add_zookeeper(parser: Parser, *names: str) -> None:
    parser.add_argument(*(names or ("--zookeeper",)), dest="zookeeper",
                        help="ZooKeeper HOST:PORT[/chroot] where the brokers are registered "
                             "(instead of --bootstrap-server)")


def brokers_from_zookeeper(connect: str) -> str:
    """The brokers registered in ZooKeeper at `connect`, or one error line and exit code 1."""
    import zookeeper

    try:
        return zookeeper.bootstrap_servers(connect)
    except zookeeper.LookupFailed as e:
        fail(str(e))
    return ""


def server_args(args) -> list[str]:
    """The `gregor` option for --bootstrap-server/--broker-list."""
    server = args.bootstrap_server or getattr(args, "broker_list", None)
    return ["--bootstrap-server", server] if server else []


def global_args(args) -> list[str]:
    """The `gregor` options for the broker and the client config file."""
    config = ["--command-config", args.command_config] if args.command_config else []
    timeout_ms = getattr(args, "timeout_ms", None)  # gregor's --timeout is in seconds
    timeout = ["--timeout", str(max(timeout_ms, 1) / 1000)] if timeout_ms else []
    return server_args(args) + config + timeout


def exec_gregor(arguments: list[str]) -> None:
    """Becomes `gregor` (signals, stdin and exit code are its own)."""
    binary = find_binary("gregor")
    sys.stdout.flush()
    os.execv(binary, [binary, *arguments])


def run_gregor(arguments: list[str], input_text: str | None = None) -> str:
    """Runs `gregor`, returns its stdout; on failure passes its error line through and exits."""
    result = subprocess.run([find_binary("gregor"), *arguments], input=input_text,
                            capture_output=True, text=True)
    if result.returncode != 0:
        sys.stderr.write(result.stderr)
        sys.exit(result.returncode)
    sys.stderr.write(result.stderr)
    return result.stdout


def gregor_json(arguments: list[str]):
    return json.loads(run_gregor(["--output", "json", *arguments]))


def gregor_json_even_failed(arguments: list[str]):
    """(exit code, JSON output, stderr) of a `gregor --output json` command that prints its
    results before failing (elect-leaders); a failure without output passes through and exits."""
    result = subprocess.run([find_binary("gregor"), "--output", "json", *arguments],
                            capture_output=True, text=True)
    if result.returncode != 0 and not result.stdout.strip():
        sys.stderr.write(result.stderr)
        sys.exit(result.returncode)
    return result.returncode, json.loads(result.stdout), result.stderr


def client_config_file(config_file: str | None, properties: dict[str, str]):
    """A temporary --command-config file holding `config_file`'s lines plus `properties`: an open
    file to use in a `with` block (its `name` is the path), removed when the block ends."""
    lines = []
    if config_file:
        try:
            lines.append(Path(config_file).read_text())
        except OSError as e:
            fail(f"error: cannot read the client config file {config_file}: {e.strerror}")
    lines += [f"{key}={value}" for key, value in properties.items()]
    f = tempfile.NamedTemporaryFile("w", prefix="gregor-client-", suffix=".properties")
    f.write("\n".join(lines) + "\n")
    f.flush()
    return f


def parse_properties(pairs: list[str] | None, parser: Parser, flag: str) -> dict[str, str]:
    """--property k=v (repeatable) as a dict."""
    out = {}
    for pair in pairs or []:
        key, sep, value = pair.partition("=")
        if not sep or not key:
            parser.usage_error(f"{flag} expects KEY=VALUE, got '{pair}'")
        out[key.strip()] = value
    return out


def print_columns(header: list[str], rows: list[list], widths: list[int] | None = None) -> None:
    """Kafka's tool tables: each column padded to its widest cell plus a space."""
    cells = [[str("-" if c is None else c) for c in row] for row in [header, *rows]]
    widths = widths or [max(len(row[i]) for row in cells) for i in range(len(header))]
    for row in cells:
        print(" ".join(c.ljust(w) for c, w in zip(row, widths)).rstrip())


def run_with_client_config(arguments: list[str], config_file: str | None,
                           properties: dict[str, str]) -> None:
    """Runs `gregor` on this process's stdin/stdout with the client properties of `config_file`
    plus `properties` (written to a temporary --command-config file), then exits with its code."""
    if not properties:
        exec_gregor(arguments + (["--command-config", config_file] if config_file else []))
    with client_config_file(config_file, properties) as f:
        previous = signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is for gregor
        try:
            code = subprocess.call([find_binary("gregor"), *arguments, "--command-config", f.name])
        finally:
            signal.signal(signal.SIGINT, previous)
    sys.exit(code)
