"""Cluster operations on a 3-broker cluster: controlled shutdown on SIGTERM, preferred-leader
election (ElectLeaders and `gregor partitions elect-leaders`), `gregor cluster info`, kcat's
view of the cluster and `gregor topic describe --under-replicated`."""

from __future__ import annotations

import json
import shutil
import struct
import threading
import time

from cli_runner import REPO, run_cli
from kafka_wire import Conn, Reader, api_versions, kstring
from systest_helpers import consume_partition, create_topic, make_producer, run_cmd, unique_topic, wait_for
from test_replication import partitions_of, wait_isr

ELECT_LEADERS = 43
CONTROLLED_SHUTDOWN = 7
NOT_CONTROLLER = 41
INVALID_REQUEST = 42
BROKER_NOT_AVAILABLE = 8


def cli(cluster, *args):
    return run_cli(list(args), cluster.bootstrap_servers())


def controller_id(cluster) -> int:
    return json.loads(cluster.zk().get("/controller")[0])["brokerid"]


def other_than(broker_ids, excluded: int) -> int:
    return next(b for b in broker_ids if b != excluded)


# ----------------------------------------------------------------------------- raw requests


def elect_leaders_v1(election_type: int, partitions: dict[str, list[int]] | None) -> bytes:
    body = struct.pack(">b", election_type)
    if partitions is None:
        body += struct.pack(">i", -1)
    else:
        body += struct.pack(">i", len(partitions))
        for topic, ids in partitions.items():
            body += kstring(topic) + struct.pack(">i", len(ids)) + b"".join(struct.pack(">i", p) for p in ids)
    return body + struct.pack(">i", 10000)


def decode_elect_leaders_v1(payload: bytes) -> tuple[int, dict]:
    r = Reader(payload)
    r.int32()  # throttle_time_ms
    error = r.int16()
    results = {}
    for _ in range(r.int32()):
        topic = r.string()
        for _ in range(r.int32()):
            partition, code = r.int32(), r.int16()
            r.string()  # error_message
            results[(topic, partition)] = code
    return error, results


def elect_raw(cluster, broker_id: int, election_type: int, partitions) -> tuple[int, dict]:
    with Conn("127.0.0.1", cluster.broker_port(broker_id)) as conn:
        return decode_elect_leaders_v1(conn.request(ELECT_LEADERS, 1, elect_leaders_v1(election_type, partitions)))


def controlled_shutdown_raw(cluster, to_broker: int, broker_id: int) -> tuple[int, list]:
    with Conn("127.0.0.1", cluster.broker_port(to_broker)) as conn:
        r = Reader(conn.request(CONTROLLED_SHUTDOWN, 1, struct.pack(">i", broker_id)))
        error = r.int16()
        return error, [(r.string(), r.int32()) for _ in range(r.int32())]


# ----------------------------------------------------------------------------- controlled shutdown


class StreamingProducer:
    """Produces numbered records with acks=all from a thread until stopped (or 120 s pass) and
    keeps every delivery report: (value, offset) for successes, errors apart."""

    def __init__(self, bootstrap: str, topic: str):
        self.producer = make_producer(bootstrap, acks="all", **{"message.timeout.ms": 60000})
        self.topic = topic
        self.acked: list[tuple[bytes, int]] = []
        self.errors: list = []
        self.sent = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _report(self, err, msg):
        if err is None:
            self.acked.append((msg.value(), msg.offset()))
        else:
            self.errors.append(err)

    def _run(self):
        deadline = time.monotonic() + 120
        while not self._stop.is_set() and time.monotonic() < deadline:
            self.producer.produce(self.topic, value=f"r{self.sent:06d}".encode(), partition=0,
                                  on_delivery=self._report)
            self.sent += 1
            self.producer.poll(0.005)

    def start(self):
        self._thread.start()
        return self

    def stop(self):
        self._stop.set()
        self._thread.join(30)
        assert self.producer.flush(60) == 0


def test_sigterm_moves_leadership_before_the_broker_leaves(cluster3):
    bootstrap = cluster3.bootstrap_servers()
    topic = unique_topic("cshut")
    create_topic(bootstrap, topic, partitions=1, replication_factor=3, **{"min.insync.replicas": "2"})
    leader, replicas, _ = partitions_of(bootstrap, topic)[0]

    producer = StreamingProducer(bootstrap, topic).start()
    wait_for(lambda: len(producer.acked) >= 300, 30, "300 records acknowledged")
    cluster3.stop(leader)  # SIGTERM: controlled shutdown, then exit
    at_stop = len(producer.acked)
    wait_for(lambda: len(producer.acked) >= at_stop + 300, 60, "300 more records acknowledged")
    producer.stop()

    assert producer.errors == []
    assert len(producer.acked) == producer.sent
    offsets = [offset for _, offset in producer.acked]
    assert len(set(offsets)) == len(offsets), "two records acknowledged at one offset"
    # Every acknowledged record is at its offset on the new leader.
    new_leader = partitions_of(bootstrap, topic)[0][0]
    assert new_leader not in (leader, -1)
    stored = {m.offset(): m.value() for m in consume_partition(bootstrap, topic, 0, expected=max(offsets) + 1)}
    assert all(stored.get(offset) == value for value, offset in producer.acked)

    # The log shows the partition following another leader before the broker shut down.
    log = cluster3.brokers[leader].stderr_text(current_only=True)
    moved = log.find(f"{topic}-0: follower")
    succeeded = log.find("controlled shutdown succeeded")
    down = log.find(f"broker {leader} shut down cleanly")
    assert -1 < moved < succeeded < down, log[-3000:]

    cluster3.start(leader)
    cluster3.wait_registered([1, 2, 3])
    wait_isr(bootstrap, topic, 0, [1, 2, 3], timeout=60)


def test_controlled_shutdown_errors(cluster3):
    controller = controller_id(cluster3)
    other = other_than([1, 2, 3], controller)
    assert controlled_shutdown_raw(cluster3, other, 2) == (NOT_CONTROLLER, [])
    assert controlled_shutdown_raw(cluster3, controller, 99) == (BROKER_NOT_AVAILABLE, [])
    # A truncated request closes the connection; the broker carries on.
    with Conn("127.0.0.1", cluster3.broker_port(controller)) as conn:
        from kafka_wire import build_request

        conn.send(build_request(CONTROLLED_SHUTDOWN, 1, 7, b"\x00\x01"))
        assert conn.wait_closed()
    with Conn("127.0.0.1", cluster3.broker_port(controller)) as conn:
        assert api_versions(conn)[CONTROLLED_SHUTDOWN] == (1, 3)
        assert api_versions(conn)[ELECT_LEADERS] == (0, 2)


# ----------------------------------------------------------------------------- leader election


def test_elect_leaders_moves_leadership_back_to_the_preferred_replica(cluster3):
    bootstrap = cluster3.bootstrap_servers()
    topic = unique_topic("elect")
    create_topic(bootstrap, topic, partitions=1, replication_factor=3)
    preferred, replicas, _ = partitions_of(bootstrap, topic)[0]
    assert preferred == replicas[0]

    cluster3.kill(preferred)
    wait_for(lambda: partitions_of(bootstrap, topic)[0][0] not in (preferred, -1), 30, "a failover")
    cluster3.start(preferred)
    cluster3.wait_registered([1, 2, 3])
    wait_isr(bootstrap, topic, 0, [1, 2, 3], timeout=60)
    assert partitions_of(bootstrap, topic)[0][0] != preferred

    result = cli(cluster3, "partitions", "elect-leaders", "--all")
    assert result.returncode == 0, result.stderr
    assert f"{topic}  0          elected" in result.stdout, result.stdout
    wait_for(lambda: partitions_of(bootstrap, topic)[0][0] == preferred, 30, "the preferred leader back")

    result = cli(cluster3, "partitions", "elect-leaders", "--topic", topic, "--partition", "0")
    assert result.returncode == 0, result.stderr
    assert "ELECTION_NOT_NEEDED" in result.stdout
    result = cli(cluster3, "partitions", "elect-leaders", "--all")
    assert result.stdout == "Every partition is led by its preferred replica\n"

    result = cli(cluster3, "partitions", "elect-leaders", "--topic", topic, "--partition", "7")
    assert result.returncode == 1
    assert "UNKNOWN_TOPIC_OR_PARTITION" in result.stdout
    assert result.stderr == "error: 1 partition(s) got no new leader\n"
    result = cli(cluster3, "partitions", "elect-leaders", "--topic", "no-such-topic")
    assert result.returncode == 1 and result.stderr.startswith("error: unknown topic 'no-such-topic'")
    result = cli(cluster3, "partitions", "elect-leaders")
    assert result.returncode == 1 and result.stderr == "error: give either --topic or --all\n"
    assert cli(cluster3, "partitions", "elect-leaders", "--all", "--topic", topic).returncode == 2


def test_elect_leaders_errors(cluster3):
    bootstrap = cluster3.bootstrap_servers()
    topic = unique_topic("electerr")
    create_topic(bootstrap, topic, partitions=2, replication_factor=3)
    partitions_of(bootstrap, topic)
    controller = controller_id(cluster3)
    other = other_than([1, 2, 3], controller)

    assert elect_raw(cluster3, other, 0, {topic: [0]}) == (NOT_CONTROLLER, {(topic, 0): NOT_CONTROLLER})
    assert elect_raw(cluster3, controller, 0, {topic: [0, 1, 5], "nope": [0]}) == (
        0, {(topic, 0): 84, (topic, 1): 84, (topic, 5): 3, ("nope", 0): 3})
    assert elect_raw(cluster3, controller, 0, None) == (0, {})  # nothing needs an election
    assert elect_raw(cluster3, controller, 1, {topic: [0]}) == (0, {(topic, 0): INVALID_REQUEST})

    # Malformed: an array count larger than the bytes that follow. The connection closes, the
    # broker answers the next one and the topic is as it was.
    with Conn("127.0.0.1", cluster3.broker_port(controller)) as conn:
        from kafka_wire import build_request

        conn.send(build_request(ELECT_LEADERS, 1, 3, struct.pack(">bi", 0, 1000) + kstring(topic)))
        assert conn.wait_closed()
    assert elect_raw(cluster3, controller, 0, {topic: [0]}) == (0, {(topic, 0): 84})
    assert sorted(partitions_of(bootstrap, topic)) == [0, 1]

    # A large request (20000 partitions, most unknown) gets one answer per partition.
    error, results = elect_raw(cluster3, controller, 0, {topic: list(range(20000))})
    assert error == 0 and len(results) == 20000
    assert results[(topic, 0)] == results[(topic, 1)] == 84
    assert {results[(topic, p)] for p in range(2, 20000)} == {3}


# ----------------------------------------------------------------------------- seeing the cluster


def test_cluster_info_kcat_and_under_replicated_partitions(cluster3):
    bootstrap = cluster3.bootstrap_servers()
    controller = controller_id(cluster3)
    result = cli(cluster3, "cluster", "info")
    assert result.returncode == 0, result.stderr
    assert f"Controller: {controller}\n" in result.stdout
    for broker_id in (1, 2, 3):
        flag = "true" if broker_id == controller else "false"
        assert f"{broker_id}   127.0.0.1  {cluster3.broker_port(broker_id)}  -     {flag}" in result.stdout

    described = json.loads(cli(cluster3, "--output", "json", "cluster", "info").stdout)
    assert described["controller"] == controller and described["cluster_id"]
    assert [b["id"] for b in described["brokers"]] == [1, 2, 3]

    topic = unique_topic("urp")
    create_topic(bootstrap, topic, partitions=1, replication_factor=3)
    leader, replicas, _ = partitions_of(bootstrap, topic)[0]
    single = unique_topic("single")  # one replica per partition: one partition on each broker
    create_topic(bootstrap, single, partitions=3, replication_factor=1)
    on_broker = {replicas_[0]: p for p, (_, replicas_, _) in partitions_of(bootstrap, single).items()}

    if shutil.which("kcat"):
        # Any broker may answer kcat, and each learns the new topic's state through its own watch.
        replica_list = ",".join(map(str, replicas))
        isr_list = ",".join(map(str, sorted(replicas)))
        seen = {}

        def kcat_shows_the_partition():
            res = run_cmd(["kcat", "-b", bootstrap, "-m", "10", "-L", "-t", topic], timeout=30)
            seen["text"] = res.stdout.decode()
            return res.returncode == 0 and " 3 brokers:" in seen["text"] and \
                f"partition 0, leader {leader}, replicas: {replica_list}, isrs: " in seen["text"]

        wait_for(kcat_shows_the_partition, 30, "kcat -L showing 3 brokers and the partition")
        isrs = seen["text"].split("isrs: ")[1].split("\n")[0]
        assert ",".join(sorted(isrs.split(","))) == isr_list, seen["text"]

    assert f"\n0          {leader}" not in cli(cluster3, "topic", "describe", topic, "--under-replicated").stdout
    follower = other_than(replicas, leader)
    cluster3.kill(follower)
    wait_isr(bootstrap, topic, 0, sorted(r for r in replicas if r != follower))
    result = cli(cluster3, "topic", "describe", topic, "--under-replicated")
    assert result.returncode == 0, result.stderr
    assert "Under-replicated partitions (ISR smaller than replicas): 0\n" in result.stdout
    assert f"\n0          {leader}" in result.stdout
    kafka_topics = run_cmd([str(REPO / "bin" / "kafka-topics.sh"), "--bootstrap-server", bootstrap,
                            "--describe", "--topic", topic, "--under-replicated-partitions"], timeout=60)
    line, isr = kafka_topics.stdout.decode().split("Isr: ")
    assert line == f"\tTopic: {topic}\tPartition: 0\tLeader: {leader}\tReplicas: {','.join(map(str, replicas))}\t"
    assert sorted(map(int, isr.strip().split(","))) == sorted(r for r in replicas if r != follower)
    unavailable = cli(cluster3, "topic", "describe", topic, "--unavailable")
    assert unavailable.returncode == 0 and f"\n0          {leader}" not in unavailable.stdout

    # The single replica of one partition is gone: that partition has no leader (its ISR keeps
    # the last member, which holds every committed record).
    gone = on_broker[follower]
    offline = cli(cluster3, "topic", "describe", single, "--unavailable")
    assert offline.returncode == 0, offline.stderr
    rows = [line for line in offline.stdout.splitlines() if line[:1].isdigit()]
    assert rows == [f"{gone}          -1      [{follower}]       [{follower}]  -         -       -"], offline.stdout
    assert f"Offline partitions (no leader): {gone}\n" in offline.stdout


def test_delete_records_sent_to_a_broker_other_than_the_leader_is_not_leader(cluster3):
    """Kafka answers NOT_LEADER_OR_FOLLOWER (6) there, which clients retry after refreshing
    their metadata; UNKNOWN_TOPIC_OR_PARTITION (3) is for topics and partitions that do not
    exist."""
    from test_admin_apis import delete_records

    topic = unique_topic("trim")
    create_topic(cluster3.bootstrap_servers(), topic, partitions=1, replication_factor=2)
    leader, replicas, _ = partitions_of(cluster3.bootstrap_servers(), topic)[0]
    follower = next(b for b in replicas if b != leader)
    outsider = next(b for b in (1, 2, 3) if b not in replicas)
    for broker_id in (follower, outsider):
        with Conn("127.0.0.1", cluster3.broker_port(broker_id)) as conn:
            wait_for(lambda: delete_records(conn, topic, [(0, 0)]) == [(0, -1, 6)], 10,
                     f"broker {broker_id} to know {topic}")
            assert delete_records(conn, topic, [(1, 0)]) == [(1, -1, 3)]
            assert delete_records(conn, "nosuch", [(0, 0)]) == [(0, -1, 3)]
    with Conn("127.0.0.1", cluster3.broker_port(leader)) as conn:
        assert delete_records(conn, topic, [(0, 0)]) == [(0, 0, 0)]
