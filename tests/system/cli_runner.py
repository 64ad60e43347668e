"""Runs the `gregor` CLI binary for system tests: $GREGOR_BUILD/bin/gregor or <repo>/build/bin/gregor."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
GREGOR_CLI = str(Path(os.environ.get("GREGOR_BUILD", str(REPO / "build"))) / "bin" / "gregor")

# Every subcommand, as the words that select it; docs/cli.md documents each one's --help.
SUBCOMMANDS = [
    [], ["topic"], ["topic", "create"], ["topic", "list"], ["topic", "describe"],
    ["topic", "delete"], ["topic", "add-partitions"], ["produce"], ["consume"], ["config"],
    ["config", "get"], ["config", "set"], ["config", "delete"], ["offsets"], ["records"],
    ["records", "delete"], ["group"], ["group", "list"], ["group", "describe"],
    ["group", "delete"], ["group", "reset-offsets"], ["log"], ["log", "dump"],
    ["perf"], ["perf", "produce"], ["perf", "consume"], ["perf", "e2e"],
    ["cluster"], ["cluster", "info"], ["cluster", "api-versions"], ["cluster", "log-dirs"],
    ["partitions"], ["partitions", "elect-leaders"],
    ["partitions", "reassign"], ["partitions", "reassignments"],
]


def run_cli(args: list[str], bootstrap: str | None = None, input: str | None = None,
            timeout: float = 60, env: dict | None = None) -> subprocess.CompletedProcess:
    cmd = [GREGOR_CLI]
    if bootstrap:
        cmd += ["--bootstrap-server", bootstrap]
    full_env = dict(os.environ)
    full_env.pop("GREGOR_BOOTSTRAP_SERVER", None)
    full_env.update(env or {})
    return subprocess.run(cmd + args, input=input, capture_output=True, text=True, timeout=timeout,
                          env=full_env)
