"""Fixtures for Gregor system tests: start a real broker on a free port in a temp dir.

Run with Debian's interpreter (it has the Kafka client packages):
    /usr/bin/python3 -m pytest tests/system
The binary is ${GREGOR_BIN:-<repo>/build/bin/gregor-server}.

Per-test broker settings:  @pytest.mark.broker_config({"message.max.bytes": "2000"})
A test that needs several brokers or a broker that must fail to start uses `broker_factory`.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))

import cluster  # noqa: E402
import kafka_wire  # noqa: E402
import zookeeper_server  # noqa: E402
from systest_helpers import free_port  # noqa: E402

REPO = Path(__file__).resolve().parents[2]
GREGOR_BIN = os.environ.get("GREGOR_BIN", str(REPO / "build" / "bin" / "gregor-server"))
START_TIMEOUT_S = 15.0
STOP_TIMEOUT_S = 20.0


def pytest_configure(config):
    config.addinivalue_line("markers", "broker_config(dict): extra server.properties for the `broker` fixture"
                            " (and for every broker of `cluster3`)")


class Broker:
    """One gregor-server process with its own config file and log dir."""

    def __init__(self, workdir: Path, overrides: dict | None = None, binary: str = GREGOR_BIN):
        self.workdir = Path(workdir)
        self.workdir.mkdir(parents=True, exist_ok=True)
        self.binary = binary
        self.port = free_port()
        self.bootstrap = f"127.0.0.1:{self.port}"
        self.log_dir = self.workdir / "logs"
        self.config_path = self.workdir / "server.properties"
        self.proc: subprocess.Popen | None = None
        self.starts = 0
        self._stderr_paths: list[Path] = []
        self.props = {
            "broker.id": "0",
            "listeners": f"PLAINTEXT://127.0.0.1:{self.port}",
            "advertised.listeners": f"PLAINTEXT://127.0.0.1:{self.port}",
            "log.dirs": str(self.log_dir),
            "num.partitions": "1",
            "auto.create.topics.enable": "true",
        }
        self.props.update({k: str(v) for k, v in (overrides or {}).items()})

    # --- process control

    def write_config(self) -> None:
        lines = ["# written by tests/system/conftest.py"]
        lines += [f"{k}={v}" for k, v in self.props.items()]
        self.config_path.write_text("\n".join(lines) + "\n")

    def launch(self, extra_args: list[str] | None = None) -> subprocess.Popen:
        """Start the process without waiting for the port."""
        if not os.path.exists(self.binary):
            pytest.fail(f"broker binary not found: {self.binary} (set GREGOR_BIN)")
        self.write_config()
        self.starts += 1
        err_path = self.workdir / f"stderr.{self.starts}.txt"
        self._stderr_paths.append(err_path)
        self._stderr_file = open(err_path, "wb")
        self.proc = subprocess.Popen(
            [self.binary, "--config", str(self.config_path), *(extra_args or [])],
            stdin=subprocess.DEVNULL,
            stdout=self._stderr_file,
            stderr=self._stderr_file,
            cwd=str(self.workdir),
        )
        return self.proc

    def start(self, extra_args: list[str] | None = None) -> "Broker":
        self.launch(extra_args)
        self.wait_ready()
        return self

    def wait_ready(self, timeout: float = START_TIMEOUT_S) -> None:
        deadline = time.monotonic() + timeout
        last_err = None
        while time.monotonic() < deadline:
            rc = self.proc.poll()
            if rc is not None:
                pytest.fail(
                    f"broker exited with code {rc} during start-up; stderr:\n{self.stderr_text(current_only=True)}"
                )
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=1.0):
                    return
            except OSError as e:
                last_err = e
                time.sleep(0.1)
        pytest.fail(
            f"broker did not accept on {self.bootstrap} within {timeout}s ({last_err}); stderr:\n"
            f"{self.stderr_text(current_only=True)}"
        )

    def alive(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def stop(self, sig: int = signal.SIGTERM, timeout: float = STOP_TIMEOUT_S) -> int | None:
        """Send `sig` to the broker (by PID) and wait; escalates to SIGKILL after `timeout`.
        Returns the exit code (negative signal number when killed)."""
        if self.proc is None:
            return None
        if self.proc.poll() is None:
            try:
                os.kill(self.proc.pid, sig)
            except ProcessLookupError:
                pass
            try:
                self.proc.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                os.kill(self.proc.pid, signal.SIGKILL)
                self.proc.wait(timeout=10)
        try:
            self._stderr_file.close()
        except Exception:
            pass
        return self.proc.returncode

    def kill9(self) -> int | None:
        return self.stop(signal.SIGKILL)

    def restart(self, sig: int = signal.SIGTERM) -> "Broker":
        self.stop(sig)
        return self.start()

    def stderr_paths(self) -> list[Path]:
        """The output of each start, in order."""
        return list(self._stderr_paths)

    def stderr_text(self, current_only: bool = False, limit: int = 20000) -> str:
        paths = self._stderr_paths[-1:] if current_only else self._stderr_paths
        parts = []
        for p in paths:
            try:
                parts.append(p.read_text(errors="replace"))
            except OSError:
                pass
        text = "".join(parts)
        return text[-limit:]

    # --- data dir helpers

    def partition_dir(self, topic: str, partition: int = 0) -> Path:
        return self.log_dir / f"{topic}-{partition}"

    def active_segment(self, topic: str, partition: int = 0) -> Path:
        logs = sorted(self.partition_dir(topic, partition).glob("*.log"))
        assert logs, f"no .log files in {self.partition_dir(topic, partition)}"
        return logs[-1]

    # --- raw protocol

    def conn(self, timeout: float = 10.0) -> kafka_wire.Conn:
        return kafka_wire.Conn("127.0.0.1", self.port, timeout)

    def __repr__(self) -> str:
        return f"Broker({self.bootstrap}, pid={self.proc.pid if self.proc else None})"


# The brokers and ZooKeeper servers of the tests running now: a failing test's report shows
# their logs (pytest_runtest_makereport), which are gone with the temp dir of a CI clone.
_LIVE_FACTORIES: list["BrokerFactory"] = []
_LIVE_ZOOKEEPERS: list[zookeeper_server.ZooKeeperServer] = []
LOG_TAIL_CHARS = 6000


class BrokerFactory:
    def __init__(self, base: Path):
        self.base = base
        self.brokers: list[Broker] = []
        _LIVE_FACTORIES.append(self)

    def __call__(self, overrides: dict | None = None, start: bool = True, name: str | None = None) -> Broker:
        b = Broker(self.base / (name or f"broker{len(self.brokers)}"), overrides)
        self.brokers.append(b)
        if start:
            b.start()
        return b

    def cleanup(self) -> None:
        """Stops every broker still running with SIGTERM, and fails the test (at teardown) if
        one of them did not exit cleanly within 10 s: a clean shutdown is part of every test."""
        if self in _LIVE_FACTORIES:
            _LIVE_FACTORIES.remove(self)
        unclean = []
        for b in self.brokers:
            was_running = b.alive()
            try:
                rc = b.stop(signal.SIGTERM, timeout=10)
            except Exception as e:
                if b.proc is not None and b.proc.poll() is None:
                    os.kill(b.proc.pid, signal.SIGKILL)
                rc = f"an error ({e})"
            if was_running and rc != 0:
                unclean.append(f"{b} exited with {rc} on SIGTERM; its last output:\n"
                               f"{b.stderr_text(current_only=True)[-LOG_TAIL_CHARS:]}")
        if unclean:
            pytest.fail("\n".join(unclean))


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    """A failed test's report carries the logs of the brokers and ZooKeeper it ran against."""
    outcome = yield
    report = outcome.get_result()
    if not report.failed or report.when == "teardown":
        return
    for factory in _LIVE_FACTORIES:
        for b in factory.brokers:
            for path in b.stderr_paths():
                tail = path.read_text(errors="replace")[-LOG_TAIL_CHARS:] if path.exists() else ""
                report.sections.append((f"{b.workdir.name}/{path.name}", tail))
    for server in _LIVE_ZOOKEEPERS:
        report.sections.append(("zookeeper log", server.log()))


def _marker_overrides(request) -> dict:
    overrides: dict = {}
    for m in request.node.iter_markers("broker_config"):
        for arg in m.args:
            overrides.update(arg)
        overrides.update(m.kwargs)
    return overrides


@pytest.fixture
def broker_factory(tmp_path):
    f = BrokerFactory(tmp_path)
    yield f
    f.cleanup()


@pytest.fixture
def broker(tmp_path, request):
    """A fresh broker for one test (settings from @pytest.mark.broker_config)."""
    f = BrokerFactory(tmp_path)
    try:
        yield f(_marker_overrides(request), name="broker")
    finally:
        f.cleanup()


@pytest.fixture(scope="module")
def module_broker(tmp_path_factory):
    """One broker shared by all tests of a module (default settings)."""
    f = BrokerFactory(tmp_path_factory.mktemp("module_broker"))
    try:
        yield f(name="broker")
    finally:
        f.cleanup()


@pytest.fixture
def zookeeper(tmp_path):
    """A real ZooKeeper server for one test (zookeeper_server.py), stopped by PID afterwards.
    The test is skipped only when the Debian `zookeeper` package is not installed, and fails
    instead with GREGOR_REQUIRE_ZOOKEEPER set (`make test` sets it)."""
    if not zookeeper_server.installed():
        why = "ZooKeeper is not installed (apt-get install zookeeper)"
        if os.environ.get("GREGOR_REQUIRE_ZOOKEEPER"):
            pytest.fail(why)
        pytest.skip(why)
    server = zookeeper_server.ZooKeeperServer(tmp_path / "zookeeper")
    _LIVE_ZOOKEEPERS.append(server)
    try:
        yield server.start()
    finally:
        _LIVE_ZOOKEEPERS.remove(server)
        server.stop()


@pytest.fixture
def cluster3(broker_factory, zookeeper, request):
    """Three brokers (ids 1, 2, 3) on one ZooKeeper, under a chroot named after the test, started
    and registered (cluster.py), with the settings of @pytest.mark.broker_config if any."""
    brokers = cluster.Cluster(broker_factory, zookeeper, 3, cluster.chroot_for(request.node.name),
                              _marker_overrides(request))
    try:
        brokers.start_all()
        brokers.wait_registered([1, 2, 3])
        brokers.wait_controller()
        yield brokers
    finally:
        brokers.stop_all()
