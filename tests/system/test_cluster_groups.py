"""Consumer groups on a 3-broker cluster: a group's coordinator is the leader of its
__consumer_offsets partition; it moves with that leadership, and the committed offsets move with
it (they are replicated like any record)."""

from __future__ import annotations

import time

import pytest

import groups_wire as g
import kafka_wire as w
from systest_helpers import create_topic, make_producer, unique_topic, wait_for
from test_replication import partitions_of

HOST = "127.0.0.1"
BATCH_PER_PARTITION = 20


def connect(cluster3, broker_id: int) -> w.Conn:
    return w.Conn(HOST, cluster3.broker_port(broker_id))


def ask_coordinator(cluster3, broker_id: int, group: str) -> g.Coordinator:
    with connect(cluster3, broker_id) as conn:
        return g.find_coordinator(conn, group)


def wait_coordinator(cluster3, group: str, asked: list[int], not_id: int | None = None,
                     timeout: float = 40.0) -> int:
    """Asks every broker in `asked` until all name the same live coordinator (other than
    `not_id`); returns its id."""
    found = {}

    def agreed():
        found.clear()
        for broker_id in asked:
            answer = ask_coordinator(cluster3, broker_id, group)
            if answer.error != g.ERR_NONE:
                return False
            found[broker_id] = answer
        ids = {a.node_id for a in found.values()}
        return len(ids) == 1 and not_id not in ids

    wait_for(agreed, timeout, f"brokers {asked} to agree on the coordinator of {group}")
    coordinator = next(iter(found.values()))
    assert coordinator.port == cluster3.broker_port(coordinator.node_id)
    return coordinator.node_id


def committed_now(cluster3, broker_id: int, group: str, topic: str, partitions: int):
    """The group's committed offsets as `broker_id` answers OffsetFetch, or None while it loads
    the group or does not coordinate it (yet)."""
    with connect(cluster3, broker_id) as conn:
        error, offsets = g.offset_fetch(conn, group, {topic: list(range(partitions))})
    if error != g.ERR_NONE:
        assert error in (g.ERR_COORDINATOR_LOAD_IN_PROGRESS, g.ERR_NOT_COORDINATOR), error
        return None
    return {p: o for (_, p), (o, _) in offsets.items()}


def fetch_committed(cluster3, broker_id: int, group: str, topic: str, partitions: int,
                    timeout: float = 30.0) -> dict[int, int]:
    """OffsetFetch from `broker_id`, retried while it loads the group (or has not taken it yet)."""
    result = {}

    def fetched():
        offsets = committed_now(cluster3, broker_id, group, topic, partitions)
        result.update(offsets or {})
        return offsets is not None

    wait_for(fetched, timeout, f"the offsets of {group} on broker {broker_id}")
    return result


def produce_batch(bootstrap: str, topic: str, partitions: int, tag: str) -> set[bytes]:
    producer = make_producer(bootstrap, acks="all")
    values = set()
    for p in range(partitions):
        for i in range(BATCH_PER_PARTITION):
            value = f"{tag}-{p}-{i}".encode()
            producer.produce(topic, value=value, partition=p)
            values.add(value)
    assert producer.flush(60) == 0
    return values


def group_consumer(bootstrap: str, group: str):
    from confluent_kafka import Consumer

    return Consumer({
        "bootstrap.servers": bootstrap,
        "group.id": group,
        "session.timeout.ms": 6000,
        "heartbeat.interval.ms": 500,
        "enable.auto.commit": False,
        "auto.offset.reset": "earliest",
        "topic.metadata.refresh.interval.ms": 1000,
    })


def consume(consumers, seen: list, until, timeout: float, what: str) -> None:
    """Polls the consumers in turn, committing each record synchronously, until `until()`."""
    from confluent_kafka import KafkaException

    deadline = time.monotonic() + timeout
    while not until():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        for consumer in consumers:
            msg = consumer.poll(0.1)
            if msg is None or msg.error():
                continue
            seen.append((msg.partition(), msg.offset(), msg.value()))
            try:
                consumer.commit(message=msg, asynchronous=False)
            except KafkaException:
                pass  # the coordinator is moving: a later commit covers this record


def test_group_moves_with_its_offsets_partition(cluster3):
    bootstrap = cluster3.bootstrap_servers()
    topic = unique_topic("cg")
    group = unique_topic("group")
    create_topic(bootstrap, topic, partitions=6, replication_factor=3)
    partitions_of(bootstrap, topic)
    coordinator = wait_coordinator(cluster3, group, [1, 2, 3])
    # offsets.topic.replication.factor=3 on three brokers.
    offsets_layout = partitions_of(bootstrap, "__consumer_offsets")
    assert all(sorted(replicas) == [1, 2, 3] for _, replicas, _ in offsets_layout.values())

    first = produce_batch(bootstrap, topic, 6, "first")
    consumers = [group_consumer(bootstrap, group) for _ in range(2)]
    try:
        for consumer in consumers:
            consumer.subscribe([topic])
        seen: list = []
        committed = {p: BATCH_PER_PARTITION for p in range(6)}
        # A commit refused during the rebalance is made good by the member that takes the
        # partition over and reads its last record again: poll until every commit is in.
        consume(consumers, seen,
                lambda: {v for _, _, v in seen} >= first and all(c.assignment() for c in consumers)
                and committed_now(cluster3, coordinator, group, topic, 6) == committed,
                90, "both members assigned, the first batch consumed and committed")
        assert sorted(p.partition for c in consumers for p in c.assignment()) == list(range(6))

        cluster3.kill(coordinator)
        survivors = [b for b in (1, 2, 3) if b != coordinator]
        moved_to = wait_coordinator(cluster3, group, survivors, not_id=coordinator, timeout=60)
        # Nothing committed was lost: the new leader of the offsets partition has every commit.
        assert fetch_committed(cluster3, moved_to, group, topic, 6) == committed

        second = produce_batch(",".join(cluster3.brokers[b].bootstrap for b in survivors),
                               topic, 6, "second")
        after_kill = len(seen)
        consume(consumers, seen, lambda: {v for _, _, v in seen[after_kill:]} >= second,
                90, "the second batch consumed after the coordinator died")
        # Consumption carried on from the committed offsets: nothing below them came again.
        for partition, offset, value in seen[after_kill:]:
            assert offset >= committed[partition], (partition, offset, value)
            assert value in second
        consume(consumers, seen, lambda: committed_now(cluster3, moved_to, group, topic, 6)
                == {p: 2 * BATCH_PER_PARTITION for p in range(6)},
                30, "the second batch committed on the new coordinator")
    finally:
        for consumer in consumers:
            consumer.close()

    # The killed broker comes back: every broker names one coordinator again, with the offsets.
    cluster3.restart(coordinator)
    cluster3.wait_registered([1, 2, 3])
    back = wait_coordinator(cluster3, group, [1, 2, 3], timeout=60)
    assert fetch_committed(cluster3, back, group, topic, 6) == {
        p: 2 * BATCH_PER_PARTITION for p in range(6)}


def test_group_requests_to_another_broker_are_not_coordinator(cluster3):
    # Too few brokers for offsets.topic.replication.factor=3: the topic is not created yet.
    cluster3.stop(3)
    cluster3.wait_unregistered([3])
    from confluent_kafka.admin import AdminClient

    admin = AdminClient({"bootstrap.servers": cluster3.brokers[1].bootstrap})
    wait_for(lambda: len(admin.list_topics(timeout=10).brokers) == 2, 20, "broker 1 to see 2 brokers")
    answer = ask_coordinator(cluster3, 1, "early")
    assert (answer.error, answer.node_id) == (g.ERR_COORDINATOR_NOT_AVAILABLE, -1)
    assert "offsets topic" in answer.message
    cluster3.start(3)
    cluster3.wait_registered([1, 2, 3])

    group = unique_topic("raw")
    topic = unique_topic("t")
    create_topic(cluster3.bootstrap_servers(), topic, partitions=1, replication_factor=3)
    coordinator = wait_coordinator(cluster3, group, [1, 2, 3])
    other = next(b for b in (1, 2, 3) if b != coordinator)

    with connect(cluster3, other) as conn:
        assert g.join_group(conn, group, "", [topic]).error == g.ERR_NOT_COORDINATOR
        assert g.heartbeat(conn, group, 1, "m") == g.ERR_NOT_COORDINATOR
        assert g.sync_group(conn, group, 1, "m")[0] == g.ERR_NOT_COORDINATOR
        assert g.leave_group(conn, group, ["m"])[0] == g.ERR_NOT_COORDINATOR
        assert g.offset_commit(conn, group, -1, "", {(topic, 0): 5}) == {
            (topic, 0): g.ERR_NOT_COORDINATOR}
        assert g.offset_fetch(conn, group, {topic: [0]})[0] == g.ERR_NOT_COORDINATOR
        assert g.offset_delete(conn, group, {topic: [0]})[0] == g.ERR_NOT_COORDINATOR
    with connect(cluster3, coordinator) as conn:
        assert g.offset_commit(conn, group, -1, "", {(topic, 0): 5}) == {(topic, 0): g.ERR_NONE}
        assert g.offset_fetch(conn, group, {topic: [0]}) == (g.ERR_NONE, {(topic, 0): (5, 0)})
        joined = g.join_member(conn, group, [topic], session_timeout_ms=6000)
        assert joined.error == g.ERR_NONE and joined.generation == 1

    # Batched FindCoordinator (v4) agrees with the single-key answers; bad keys get their errors.
    groups = [group] + [f"{group}-{i}" for i in range(5)]
    with connect(cluster3, other) as conn:
        batched = g.find_coordinators(conn, groups + [""])
        for key in groups:
            single = g.find_coordinator(conn, key)
            assert single.error == g.ERR_NONE
            assert (batched[key].error, batched[key].node_id, batched[key].port) == (
                g.ERR_NONE, single.node_id, single.port)
        assert (batched[""].error, batched[""].node_id) == (g.ERR_INVALID_GROUP_ID, -1)
        transactional = g.find_coordinator(conn, "txn", key_type=1)
        assert (transactional.error, transactional.node_id) == (g.ERR_COORDINATOR_NOT_AVAILABLE, -1)
    # A malformed FindCoordinator (the key type cut off) closes the connection; nothing else.
    with connect(cluster3, other) as conn:
        conn.send(w.build_request(g.API_FIND_COORDINATOR, 2, 40, w.kstring(group)))
        assert conn.wait_closed()
    assert ask_coordinator(cluster3, other, group).node_id == coordinator


# Each __consumer_offsets partition on one broker only: killing it leaves the partition leaderless.
@pytest.mark.broker_config({"offsets.topic.replication.factor": "1",
                            "offsets.topic.num.partitions": "3"})
def test_offsets_partition_without_leader_is_coordinator_not_available(cluster3):
    group = unique_topic("lonely")
    topic = unique_topic("t")
    create_topic(cluster3.bootstrap_servers(), topic, partitions=1, replication_factor=3)
    coordinator = wait_coordinator(cluster3, group, [1, 2, 3])
    with connect(cluster3, coordinator) as conn:
        assert g.offset_commit(conn, group, -1, "", {(topic, 0): 9}) == {(topic, 0): g.ERR_NONE}

    cluster3.kill(coordinator)
    cluster3.wait_unregistered([coordinator])
    other = next(b for b in (1, 2, 3) if b != coordinator)
    wait_for(lambda: ask_coordinator(cluster3, other, group).error
             == g.ERR_COORDINATOR_NOT_AVAILABLE, 30, "the offsets partition to lose its leader")
    answer = ask_coordinator(cluster3, other, group)
    assert (answer.node_id, answer.port) == (-1, -1)
    assert "no leader" in answer.message
    with connect(cluster3, other) as conn:
        assert g.offset_fetch(conn, group, {topic: [0]})[0] == g.ERR_NOT_COORDINATOR
        assert g.offset_commit(conn, group, -1, "", {(topic, 0): 10}) == {
            (topic, 0): g.ERR_NOT_COORDINATOR}

    # Its only replica comes back, leads again, and still has the commit.
    cluster3.restart(coordinator)
    cluster3.wait_registered([1, 2, 3])
    assert wait_coordinator(cluster3, group, [1, 2, 3], timeout=60) == coordinator
    assert fetch_committed(cluster3, coordinator, group, topic, 1) == {0: 9}


@pytest.mark.broker_config({"offsets.topic.num.partitions": "3"})
def test_hundreds_of_async_commits_leave_the_last_one_committed_when_offsets_are_replicated(
        cluster3):
    from async_commits import committed_offset, consume_committing_async, produce_records

    bootstrap = cluster3.bootstrap_servers()
    topic = unique_topic("asynccommit")
    create_topic(bootstrap, topic, partitions=1)
    produce_records(bootstrap, topic, 400)
    consume_committing_async(bootstrap, topic, "async-committer", 400, every=2)
    assert committed_offset(bootstrap, topic, "async-committer", 400) == 400
