"""What the bench's scripts share: logging, free loopback ports, packages, the servers they start
(each stopped by its PID) and the commands they run."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path


def log(msg: str) -> None:
    print(f"[bench] {msg}", file=sys.stderr, flush=True)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_port(port: int, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError(f"nothing listens on port {port} after {timeout}s")


def installed(package: str) -> bool:
    """A command on PATH, or a Debian package (libraries and their headers) that dpkg has."""
    if shutil.which(package) is not None:
        return True
    status = subprocess.run(["dpkg-query", "-W", "-f=${Status}", package], capture_output=True, text=True)
    return status.stdout.endswith("installed")


def ensure_packages(packages: list[str]) -> None:
    missing = [p for p in packages if not installed(p)]
    if missing:
        sudo = [] if os.geteuid() == 0 else ["sudo"]
        env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
        log(f"installing {' '.join(missing)}")
        install = sudo + ["apt-get", "install", "-y", "-qq", *missing]
        if subprocess.run(install, env=env).returncode != 0:  # a fresh machine: no package lists yet
            subprocess.run(sudo + ["apt-get", "update", "-qq"], check=True, env=env)
            subprocess.run(install, check=True, env=env)


class Process:
    """A server started by the bench, stopped (by its PID) when the bench leaves its context."""

    def __init__(self, args: list[str], log_path: Path, cwd: Path | None = None,
                 env: dict[str, str] | None = None):
        self.log = open(log_path, "wb")
        self.proc = subprocess.Popen(args, stdout=self.log, stderr=subprocess.STDOUT, cwd=cwd,
                                     env=None if env is None else {**os.environ, **env},
                                     start_new_session=True)

    def rss_mb(self) -> float:
        for line in Path(f"/proc/{self.proc.pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
        return 0.0

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.log.close()


class MemoryCgroup:
    """A memory cgroup of its own for a server, limited to `limit` bytes, page cache included
    (cgroup v2 or v1; needs root, and does nothing where there is none). Once its page cache
    reaches the limit, the kernel recycles the server's own older pages for its new writes
    instead of taking free memory: on a virtual machine that hands free memory back to its host,
    that first touch costs more than the broker's own work (docs/performance.md)."""

    def __init__(self, name: str, limit: int):
        self.path: Path | None = None
        v2 = Path("/sys/fs/cgroup")
        v1 = Path("/sys/fs/cgroup/memory")
        try:
            if "memory" in (v2 / "cgroup.subtree_control").read_text().split():
                self.path, limit_file = v2 / f"gregor-bench-{os.getpid()}-{name}", "memory.max"
        except OSError:
            pass
        if self.path is None and (v1 / "memory.limit_in_bytes").exists():
            self.path, limit_file = v1 / f"gregor-bench-{os.getpid()}-{name}", "memory.limit_in_bytes"
        if self.path is None:
            return
        try:
            self.path.mkdir()
            (self.path / limit_file).write_text(str(limit))
        except OSError as error:
            log(f"no memory cgroup for {name} ({error}): its page cache is not bounded")
            self.path = None

    def add(self, pid: int) -> None:
        if self.path is not None:
            (self.path / "cgroup.procs").write_text(str(pid))

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        if self.path is not None:
            try:
                self.path.rmdir()  # its processes have exited (contexts close in reverse order)
            except OSError:
                pass


def run(args: list[str], timeout: float = 300) -> str:
    result = subprocess.run(args, capture_output=True, text=True, timeout=timeout)
    if result.returncode != 0:
        raise RuntimeError(f"{' '.join(args)} failed (exit {result.returncode}): {result.stderr.strip()[-500:]}")
    return result.stdout
