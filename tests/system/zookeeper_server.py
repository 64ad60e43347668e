"""A real standalone ZooKeeper server for system tests (Debian package `zookeeper`, on Java).

It runs as a child process on a free loopback port with its own data directory; no system
service is touched:

    java -cp /usr/share/java/zookeeper.jar:/usr/share/java/slf4j-simple.jar \
         org.apache.zookeeper.server.quorum.QuorumPeerMain <dir>/zoo.cfg

stop() ends it by PID; restart() brings it back on the same port and data; pause() and resume()
freeze and thaw it. The `zookeeper` fixture in conftest.py starts one per test and stops it
even when the test fails.
"""

from __future__ import annotations

import ctypes
import os
import signal
import socket
import subprocess
import time
from pathlib import Path

from systest_helpers import free_port

JAVA = "/usr/bin/java"
ZOOKEEPER_JAR = "/usr/share/java/zookeeper.jar"
LOG_BINDING = "/usr/share/java/slf4j-simple.jar"
ZK_CLI = "/usr/share/zookeeper/bin/zkCli.sh"
START_TIMEOUT_S = 60.0


def _die_with_parent() -> None:
    """In the child: the kernel kills it if the test process dies without stopping it."""
    PR_SET_PDEATHSIG = 1
    ctypes.CDLL("libc.so.6", use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGKILL)


def installed() -> bool:
    return os.access(ZOOKEEPER_JAR, os.R_OK) and os.access(JAVA, os.X_OK)


class ZooKeeperServer:
    def __init__(self, workdir: Path):
        self.workdir = Path(workdir)
        self.workdir.mkdir(parents=True, exist_ok=True)
        self.port = free_port()
        self.hosts = f"127.0.0.1:{self.port}"
        self.proc: subprocess.Popen | None = None
        self.log_path = self.workdir / "zookeeper.log"
        (self.workdir / "data").mkdir(exist_ok=True)
        (self.workdir / "zoo.cfg").write_text(
            "\n".join(
                [
                    "tickTime=200",
                    f"dataDir={self.workdir / 'data'}",
                    f"clientPort={self.port}",
                    "clientPortAddress=127.0.0.1",
                    "maxSessionTimeout=60000",
                    "admin.enableServer=false",
                ]
            )
            + "\n"
        )

    def start(self) -> "ZooKeeperServer":
        log = open(self.log_path, "ab")
        self.proc = subprocess.Popen(
            [JAVA, "-Xmx256m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1",
             "-Dorg.slf4j.simpleLogger.defaultLogLevel=warn",
             "-cp", f"{ZOOKEEPER_JAR}:{LOG_BINDING}",
             "org.apache.zookeeper.server.quorum.QuorumPeerMain", str(self.workdir / "zoo.cfg")],
            stdin=subprocess.DEVNULL, stdout=log, stderr=log, preexec_fn=_die_with_parent,
        )
        log.close()
        deadline = time.monotonic() + START_TIMEOUT_S
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise AssertionError(f"ZooKeeper exited during start-up:\n{self.log()}")
            if self.answers():
                return self
            time.sleep(0.1)
        self.stop()
        raise AssertionError(f"ZooKeeper did not answer on {self.hosts} within {START_TIMEOUT_S}s:\n{self.log()}")

    def answers(self) -> bool:
        """ZooKeeper's `srvr` four-letter command (allowed by default) answers once it serves."""
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=1.0) as s:
                s.sendall(b"srvr")
                reply = b""
                while chunk := s.recv(4096):
                    reply += chunk
            return b"Mode: standalone" in reply
        except OSError:
            return False

    def stop(self) -> None:
        if self.proc is None or self.proc.poll() is not None:
            return
        os.kill(self.proc.pid, signal.SIGTERM)
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.kill(self.proc.pid, signal.SIGKILL)
            self.proc.wait(timeout=10)

    def pause(self) -> None:
        """Freezes the server (SIGSTOP): connections stay open and requests go unanswered, as
        with a ZooKeeper stuck in a long garbage collection or on a full disk."""
        os.kill(self.proc.pid, signal.SIGSTOP)

    def resume(self) -> None:
        os.kill(self.proc.pid, signal.SIGCONT)

    def restart(self, down_seconds: float) -> "ZooKeeperServer":
        """Stops the server, keeps it down `down_seconds`, starts it again on the same port with
        the same data directory: sessions and znodes survive, as after an operator's restart."""
        self.stop()
        time.sleep(down_seconds)
        return self.start()

    def log(self) -> str:
        try:
            return self.log_path.read_text(errors="replace")[-5000:]
        except OSError:
            return ""

    def client(self, chroot: str = ""):
        """A started kazoo client (python3-kazoo) on this server, confined to `chroot`."""
        from kazoo.client import KazooClient

        client = KazooClient(hosts=self.hosts + chroot, timeout=10.0)
        client.start(timeout=15)
        return client

    def cli(self, *command: str) -> str:
        """Runs one zkCli.sh command, as an operator would, and returns its output."""
        done = subprocess.run([ZK_CLI, "-server", self.hosts, *command], capture_output=True,
                              timeout=60, stdin=subprocess.DEVNULL)
        return done.stdout.decode(errors="replace")
