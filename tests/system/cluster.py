"""A cluster for system tests: N gregor-server brokers on loopback sharing one real ZooKeeper.

Broker ids are 1..N; each broker has its own directory, log dir and free port (conftest.Broker),
and all of them use `zookeeper.connect=<server><chroot>`, a chroot per test. The fixture
`cluster3` in conftest.py gives a started 3-broker cluster:

    def test_failover(cluster3):
        cluster3.kill(2)                       # SIGKILL: its ZooKeeper session expires later
        cluster3.wait_unregistered([2])
        cluster3.restart(2)
        cluster3.wait_registered([1, 2, 3])
        producer = make_producer(cluster3.bootstrap_servers())

Processes are stopped by PID only: the brokers by the BrokerFactory the cluster was given, the
ZooKeeper server by its fixture.
"""

from __future__ import annotations

import re
import signal

from systest_helpers import wait_for

# A short session so that a killed broker leaves /brokers/ids within seconds.
SESSION_TIMEOUT_MS = 4000
REGISTRATION_TIMEOUT_S = 30.0


def zookeeper_overrides(zookeeper, chroot: str, session_timeout_ms: int = SESSION_TIMEOUT_MS) -> dict:
    """The server.properties that put a broker's metadata in `zookeeper` under `chroot`."""
    return {
        "zookeeper.connect": zookeeper.hosts + chroot,
        "zookeeper.session.timeout.ms": str(session_timeout_ms),
    }


def chroot_for(test_name: str) -> str:
    """A ZooKeeper chroot named after the test (znode names allow no '[' or '/')."""
    return "/" + re.sub(r"[^A-Za-z0-9_.-]", "_", test_name)


class Cluster:
    def __init__(self, broker_factory, zookeeper, size: int, chroot: str,
                 overrides: dict | None = None):
        self.zookeeper = zookeeper
        self.chroot = chroot
        self._zk = None
        props = zookeeper_overrides(zookeeper, chroot)
        props.update(overrides or {})
        self.brokers = {
            broker_id: broker_factory({**props, "broker.id": broker_id}, start=False,
                                      name=f"broker{broker_id}")
            for broker_id in range(1, size + 1)
        }

    # --- processes

    def start_all(self) -> "Cluster":
        """Launches every broker at once (start-up overlaps), then waits for each to serve."""
        for broker in self.brokers.values():
            broker.launch()
        for broker in self.brokers.values():
            broker.wait_ready()
        return self

    def start(self, broker_id: int) -> None:
        self.brokers[broker_id].start()

    def stop(self, broker_id: int) -> None:
        """SIGTERM and wait: the broker closes its session, its registration goes at once."""
        self.brokers[broker_id].stop(signal.SIGTERM)

    def kill(self, broker_id: int) -> None:
        """SIGKILL: the registration stays until ZooKeeper expires the session."""
        self.brokers[broker_id].kill9()

    def restart(self, broker_id: int) -> None:
        self.brokers[broker_id].restart()

    def stop_all(self) -> None:
        if self._zk is not None:
            self._zk.stop()
            self._zk.close()
            self._zk = None
        for broker in self.brokers.values():
            broker.stop(signal.SIGTERM, timeout=10)

    # --- where things are

    def bootstrap_servers(self) -> str:
        return ",".join(broker.bootstrap for broker in self.brokers.values())

    def broker_port(self, broker_id: int) -> int:
        return self.brokers[broker_id].port

    def log_dir(self, broker_id: int):
        return self.brokers[broker_id].log_dir

    # --- registrations in ZooKeeper

    def zk(self):
        """A kazoo client confined to the cluster's chroot, closed by stop_all()."""
        if self._zk is None:
            self._zk = self.zookeeper.client(self.chroot)
        return self._zk

    def registered_ids(self) -> set[int]:
        from kazoo.exceptions import NoNodeError

        try:
            return {int(child) for child in self.zk().get_children("/brokers/ids")}
        except NoNodeError:
            return set()

    def wait_registered(self, broker_ids, timeout: float = REGISTRATION_TIMEOUT_S) -> None:
        wait_for(lambda: set(broker_ids) <= self.registered_ids(), timeout,
                 f"brokers {sorted(broker_ids)} in /brokers/ids")

    def wait_controller(self, timeout: float = REGISTRATION_TIMEOUT_S) -> None:
        """Until a controller is elected: before that, Metadata answers controller -1 and an admin
        client may wait for it longer than its request timeout."""
        wait_for(lambda: self.zk().exists("/controller") is not None, timeout, "a controller")

    def wait_unregistered(self, broker_ids, timeout: float = REGISTRATION_TIMEOUT_S) -> None:
        wait_for(lambda: not set(broker_ids) & self.registered_ids(), timeout,
                 f"brokers {sorted(broker_ids)} to leave /brokers/ids")
