"""The ZooKeeper-era quick start with Kafka's scripts: bin/zookeeper-server-start.sh with the
shipped config/zookeeper.properties (only its port and data directory changed), brokers on it,
kafka-topics.sh --zookeeper, then bin/zookeeper-server-stop.sh. And the failures a newcomer meets
first: an unreachable --zookeeper, an ensemble without brokers."""

import os
import re
import subprocess
import time
from pathlib import Path

import pytest

import zookeeper_server
from systest_helpers import free_port, wait_for
from test_kafka_scripts import BIN, ok, script, script_env

REPO = Path(__file__).resolve().parents[2]
# An unreachable ensemble fails within the scripts' connection timeout (4 s) plus start-up.
UNREACHABLE_BOUND_S = 15


def zookeeper_config(tmp_path: Path, port: int) -> Path:
    """config/zookeeper.properties with only clientPort and dataDir changed."""
    text = (REPO / "config" / "zookeeper.properties").read_text()
    assert re.search(r"^clientPort=2181$", text, re.M) and re.search(r"^dataDir=", text, re.M)
    text = re.sub(r"^clientPort=.*$", f"clientPort={port}", text, flags=re.M)
    text = re.sub(r"^dataDir=.*$", f"dataDir={tmp_path / 'zookeeper-data'}", text, flags=re.M)
    config = tmp_path / "zookeeper.properties"
    config.write_text(text)
    return config


def process_alive(pid: int) -> bool:
    """Running and not a zombie (an exited server not reaped yet has an empty cmdline)."""
    try:
        return b"QuorumPeerMain" in Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return False


def kazoo_client(hosts: str):
    from kazoo.client import KazooClient

    client = KazooClient(hosts=hosts, timeout=10.0)
    client.start(timeout=60)  # kazoo retries until the server's JVM listens
    return client


def test_zookeeper_scripts_and_topics_through_zookeeper(tmp_path, broker_factory):
    if not zookeeper_server.installed():
        pytest.skip("ZooKeeper is not installed (apt-get install zookeeper)")
    port = free_port()
    config = zookeeper_config(tmp_path, port)
    env = {**script_env(), "LOG_DIR": str(tmp_path / "logs")}
    started = subprocess.run([str(BIN / "zookeeper-server-start.sh"), "-daemon", str(config)],
                             capture_output=True, text=True, timeout=30, env=env)
    assert started.returncode == 0, started.stderr
    pid_file = tmp_path / "logs" / f"zookeeper-{port}.pid"
    pid = int(pid_file.read_text())
    try:
        zk = kazoo_client(f"127.0.0.1:{port}")
        try:
            zk.create("/served", b"yes")
            assert zk.get("/served")[0] == b"yes"
            again = subprocess.run([str(BIN / "zookeeper-server-start.sh"), "-daemon",
                                    str(config)], capture_output=True, text=True, timeout=30,
                                   env=env)
            assert again.returncode == 1 and "already runs" in again.stderr
            broker = broker_factory({"zookeeper.connect": f"localhost:{port}",
                                     "zookeeper.session.timeout.ms": "4000", "broker.id": 1})
            wait_for(lambda: zk.exists("/brokers/ids/1") is not None, 30, "broker 1 registered")
        finally:
            zk.stop()
            zk.close()

        # As Kafka's quick start of the ZooKeeper era typed it.
        zookeeper = f"localhost:{port}"
        assert ok("kafka-topics.sh", "--create", "--zookeeper", zookeeper,
                  "--replication-factor", "1", "--partitions", "2", "--topic", "test") == \
            "Created topic test.\n"
        assert ok("kafka-topics.sh", "--list", f"--zookeeper={zookeeper}") == "test\n"
        described = ok("kafka-topics.sh", "--describe", "--zookeeper", zookeeper, "--topic",
                       "test").splitlines()
        assert described[0].startswith("Topic: test\tPartitionCount: 2\tReplicationFactor: 1")
        ok("kafka-console-producer.sh", "--broker-list", broker.bootstrap, "--topic", "test",
           input="This is a message\nThis is another message\n")
        consumed = ok("kafka-console-consumer.sh", "--zookeeper", zookeeper, "--topic", "test",
                      "--from-beginning", "--max-messages", "2")
        assert sorted(consumed.splitlines()) == ["This is a message", "This is another message"]
        broker.stop()

        stopped = subprocess.run([str(BIN / "zookeeper-server-stop.sh")], capture_output=True,
                                 text=True, timeout=60, env=env)
        assert stopped.returncode == 0, stopped.stderr
        assert not process_alive(pid) and not pid_file.exists()
        none_left = subprocess.run([str(BIN / "zookeeper-server-stop.sh")], capture_output=True,
                                   text=True, timeout=60, env=env)
        assert none_left.returncode == 1 and none_left.stdout == "No zookeeper server to stop\n"
    finally:
        if process_alive(pid):  # the test failed before the stop script ran
            os.kill(pid, 9)


def legacy_broker_config(tmp_path: Path, broker_id: int, port: int, zookeeper: str) -> Path:
    """A server.properties of the ZooKeeper era: the three brokers' files differ only in
    broker.id, port and log.dir."""
    config = tmp_path / f"server-{broker_id}.properties"
    config.write_text(f"broker.id={broker_id}\nport={port}\n"
                      f"log.dir={tmp_path / f'kafka-logs-{broker_id}'}\n"
                      f"zookeeper.connect={zookeeper}\nzookeeper.session.timeout.ms=6000\n"
                      "num.partitions=1\n")
    return config


def zk_cli_ls(zookeeper: str, path: str) -> str:
    """`zkCli.sh -server ZK ls PATH`'s answer line (Debian's ZooKeeper client)."""
    result = subprocess.run([zookeeper_server.ZK_CLI, "-server", zookeeper, "ls", path],
                            capture_output=True, text=True, timeout=60)
    return result.stdout.strip().splitlines()[-1]


def test_three_brokers_from_legacy_property_files_and_the_zookeeper_scripts(tmp_path):
    """The cluster quick start of Kafka's ZooKeeper era, with Kafka's scripts only."""
    if not zookeeper_server.installed():
        pytest.skip("ZooKeeper is not installed (apt-get install zookeeper)")
    zk_port = free_port()
    zookeeper = f"localhost:{zk_port}"
    env = {**script_env(), "LOG_DIR": str(tmp_path / "logs")}
    started = subprocess.run([str(BIN / "zookeeper-server-start.sh"), "-daemon",
                              str(zookeeper_config(tmp_path, zk_port))],
                             capture_output=True, text=True, timeout=30, env=env)
    assert started.returncode == 0, started.stderr
    zk_pid = int((tmp_path / "logs" / f"zookeeper-{zk_port}.pid").read_text())
    ports = {broker_id: free_port() for broker_id in (1, 2, 3)}
    brokers = []
    try:
        kazoo_client(f"127.0.0.1:{zk_port}").stop()  # waits for the JVM to serve
        for broker_id, port in ports.items():
            config = legacy_broker_config(tmp_path, broker_id, port, zookeeper)
            log = open(tmp_path / f"broker-{broker_id}.log", "wb")
            brokers.append(subprocess.Popen([str(BIN / "kafka-server-start.sh"), str(config)],
                                            stdout=log, stderr=log, env=env))
        wait_for(lambda: zk_cli_ls(zookeeper, "/brokers/ids") == "[1, 2, 3]", 60,
                 "zkCli.sh ls /brokers/ids to show the three brokers")

        assert ok("kafka-topics.sh", "--create", "--zookeeper", zookeeper, "--replication-factor",
                  "3", "--partitions", "10", "--topic", "test") == "Created topic test.\n"
        assert ok("kafka-topics.sh", "--list", f"--zookeeper={zookeeper}") == "test\n"
        lines = ok("kafka-topics.sh", "--describe", "--zookeeper", zookeeper, "--topic",
                   "test").splitlines()
        assert lines[0].startswith("Topic: test\tPartitionCount: 10\tReplicationFactor: 3")
        assert len(lines) == 11
        assert all(sorted(line.split("Replicas: ")[1].split("\t")[0].split(",")) ==
                   ["1", "2", "3"] for line in lines[1:])
        messages = [f"message {i}" for i in range(20)]
        ok("kafka-console-producer.sh", "--broker-list", f"localhost:{ports[1]}", "--topic",
           "test", input="".join(f"{m}\n" for m in messages))
        consumed = ok("kafka-console-consumer.sh", "--bootstrap-server", f"localhost:{ports[2]}",
                      "--topic", "test", "--from-beginning", "--max-messages", "20")
        assert sorted(consumed.splitlines()) == sorted(messages)

        ok("kafka-topics.sh", "--alter", "--zookeeper", zookeeper, "--topic", "test",
           "--partitions", "12")
        assert "PartitionCount: 12" in ok("kafka-topics.sh", "--describe", "--zookeeper",
                                          zookeeper, "--topic", "test")
        ok("kafka-topics.sh", "--delete", "--zookeeper", zookeeper, "--topic", "test")
        wait_for(lambda: "test" not in ok("kafka-topics.sh", "--list", "--zookeeper",
                                          zookeeper).split(), 30, "topic test deleted")
    finally:
        for proc in brokers:
            proc.terminate()
        for proc in brokers:
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(timeout=10)
        stopped = subprocess.run([str(BIN / "zookeeper-server-stop.sh")], capture_output=True,
                                 text=True, timeout=60, env=env)
        if process_alive(zk_pid):  # the stop script failed: the test fails below
            os.kill(zk_pid, 9)
    assert stopped.returncode == 0, stopped.stderr


@pytest.mark.parametrize("connect", ["127.0.0.1:1/chroot", "no-such-host.invalid:2181"])
def test_unreachable_zookeeper_is_one_line_and_bounded(connect):
    began = time.monotonic()
    result = script("kafka-topics.sh", "--list", "--zookeeper", connect, timeout=60)
    assert time.monotonic() - began < UNREACHABLE_BOUND_S
    assert result.returncode == 1
    assert result.stderr == f"error: cannot connect to ZooKeeper at {connect} within 4s: is it " \
        "running?\n"
    assert result.stdout == ""


def test_zookeeper_without_brokers(zookeeper):
    result = script("kafka-topics.sh", "--list", f"--zookeeper={zookeeper.hosts}/empty")
    assert result.returncode == 1 and result.stderr.count("\n") == 1
    assert result.stderr.startswith(f"error: no broker is registered in ZooKeeper at "
                                    f"{zookeeper.hosts}/empty")


def test_zookeeper_and_bootstrap_server_together_is_a_usage_error():
    result = script("kafka-topics.sh", "--list", "--zookeeper", "127.0.0.1:1",
                    "--bootstrap-server", "127.0.0.1:2")
    assert result.returncode == 2 and result.stderr.count("\n") == 1
