"""Consumer groups and committed offsets with real clients (issue 3).

confluent-kafka (librdkafka) and kafka-python consumers subscribe() in groups: partitions are
shared within a group and every group gets every record; committed offsets survive a broker
restart; a consumer killed with kill -9 loses its partitions after its session timeout. Raw
requests (groups_wire.py) check the exact error codes. Every wait is bounded.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from confluent_kafka import Consumer, TopicPartition

import groups_wire as g
from systest_helpers import create_topic, make_producer, unique_topic

HERE = Path(__file__).resolve().parent
FAST = {"group.initial.rebalance.delay.ms": "0", "offsets.topic.num.partitions": "5"}
TIMEOUT = 60.0


def group_consumer(b, group: str, **conf) -> Consumer:
    base = {
        "bootstrap.servers": b.bootstrap,
        "group.id": group,
        "session.timeout.ms": 6000,
        "heartbeat.interval.ms": 500,
        "enable.auto.commit": False,
        "auto.offset.reset": "earliest",
        "fetch.wait.max.ms": 100,
    }
    base.update(conf)
    return Consumer(base)


def produce_values(b, topic: str, values: list[str], partitions: int) -> None:
    p = make_producer(b.bootstrap)
    for i, v in enumerate(values):
        p.produce(topic, value=v.encode(), partition=i % partitions)
    assert p.flush(30) == 0


def assignments(consumers) -> list[set[int]]:
    return [{tp.partition for tp in c.assignment()} for c in consumers]


def poll_until(consumers, predicate, timeout: float = TIMEOUT, sink: list | None = None) -> None:
    """Polls every consumer in turn until predicate() holds; collects messages into sink."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for c in consumers:
            msg = c.poll(0.05)
            if msg is not None and not msg.error() and sink is not None:
                sink.append((msg.partition(), msg.offset(), msg.value().decode()))
        if predicate():
            return
    raise AssertionError(f"condition not reached in {timeout}s; assignments {assignments(consumers)}")


def drain(consumers, seconds: float, sink: list) -> None:
    """Keeps polling for `seconds` (to catch records delivered twice)."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        for c in consumers:
            msg = c.poll(0.05)
            if msg is not None and not msg.error():
                sink.append((msg.partition(), msg.offset(), msg.value().decode()))


def balanced(consumers, total: int) -> bool:
    sets = assignments(consumers)
    union = set().union(*sets)
    sizes = sorted(len(s) for s in sets)
    return (len(union) == total and sum(sizes) == total and sizes[-1] - sizes[0] <= 1)


@pytest.mark.broker_config(FAST)
def test_three_members_share_six_partitions_and_a_fourth_spreads_them(broker):
    topic = unique_topic("grp")
    create_topic(broker.bootstrap, topic, partitions=6)
    group = unique_topic("g")
    consumers = [group_consumer(broker, group) for _ in range(3)]
    try:
        for c in consumers:
            c.subscribe([topic])
        poll_until(consumers, lambda: balanced(consumers, 6))
        assert sorted(len(s) for s in assignments(consumers)) == [2, 2, 2]
        fourth = group_consumer(broker, group)
        fourth.subscribe([topic])
        consumers.append(fourth)
        poll_until(consumers, lambda: balanced(consumers, 6))
        assert sorted(len(s) for s in assignments(consumers)) == [1, 1, 2, 2]
    finally:
        for c in consumers:
            c.close()


@pytest.mark.broker_config(FAST)
def test_queue_within_a_group_and_publish_subscribe_across_groups(broker):
    topic = unique_topic("pubsub")
    create_topic(broker.bootstrap, topic, partitions=4)
    groups = {unique_topic("ga"): [], unique_topic("gb"): []}
    members = {group: [group_consumer(broker, group) for _ in range(2)] for group in groups}
    try:
        for consumers in members.values():
            for c in consumers:
                c.subscribe([topic])
        # Records come once both groups are settled: a rebalance would (rightly) re-deliver
        # what was consumed but not committed.
        everyone = [c for consumers in members.values() for c in consumers]
        poll_until(everyone, lambda: all(balanced(cs, 4) for cs in members.values()))
        values = [f"v{i}" for i in range(200)]
        produce_values(broker, topic, values, 4)
        for group, consumers in members.items():
            poll_until(consumers, lambda: len(groups[group]) >= len(values), sink=groups[group])
        for group, consumers in members.items():
            drain(consumers, 1.0, groups[group])
    finally:
        for consumers in members.values():
            for c in consumers:
                c.close()
    for group, seen in groups.items():
        assert sorted(v for _, _, v in seen) == sorted(values), group  # each record exactly once
        by_member_partitions = {p for p, _, _ in seen}
        assert by_member_partitions == set(range(4))


@pytest.mark.broker_config(FAST)
def test_commits_survive_a_broker_restart_and_consumers_resume(broker):
    topic = unique_topic("restart")
    create_topic(broker.bootstrap, topic, partitions=2)
    produce_values(broker, topic, [f"a{i}" for i in range(20)], 2)
    group = unique_topic("g")
    c = group_consumer(broker, group)
    seen: list = []
    try:
        c.subscribe([topic])
        poll_until([c], lambda: len(seen) >= 20, sink=seen)
        c.commit(asynchronous=False)
        committed = {tp.partition: tp.offset for tp in
                     c.committed([TopicPartition(topic, 0), TopicPartition(topic, 1)], timeout=10)}
        assert committed == {0: 10, 1: 10}
    finally:
        c.close()

    broker.restart()
    produce_values(broker, topic, [f"b{i}" for i in range(10)], 2)
    c = group_consumer(broker, group)
    seen = []
    try:
        committed = {tp.partition: tp.offset for tp in
                     c.committed([TopicPartition(topic, 0), TopicPartition(topic, 1)], timeout=10)}
        assert committed == {0: 10, 1: 10}
        c.subscribe([topic])
        poll_until([c], lambda: len(seen) >= 10, sink=seen)
        drain([c], 1.0, seen)
    finally:
        c.close()
    assert sorted(v for _, _, v in seen) == sorted(f"b{i}" for i in range(10))


@pytest.mark.broker_config(FAST)
def test_killed_consumer_loses_partitions_and_no_record_is_lost(broker, tmp_path):
    topic = unique_topic("kill")
    create_topic(broker.bootstrap, topic, partitions=6)
    group = unique_topic("g")
    outs = [tmp_path / f"consumer{i}.txt" for i in range(3)]
    procs = [subprocess.Popen([sys.executable, str(HERE / "groups_consumer.py"), broker.bootstrap, group, topic,
                               str(out), "6000", "110"]) for out in outs]

    def lines(i):
        return outs[i].read_text().splitlines() if outs[i].exists() else []

    def last_assignment(i):
        assigned = [l for l in lines(i) if l.startswith("assigned")]
        if not assigned:
            return None
        rest = assigned[-1][len("assigned"):].strip()
        return {int(p) for p in rest.split(",")} if rest else set()

    def consumed():
        return [(int(p), int(o), v) for i in range(3) for kind, p, o, v in
                (l.split(" ", 3) for l in lines(i) if l.startswith("msg "))]

    def wait(pred, what, timeout=TIMEOUT):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if pred():
                return
            time.sleep(0.2)
        raise AssertionError(f"timed out waiting for {what}: {[lines(i)[-3:] for i in range(3)]}")

    try:
        wait(lambda: all(last_assignment(i) is not None and len(last_assignment(i)) == 2 for i in range(3)),
             "three members with two partitions each")
        first = [f"x{i}" for i in range(300)]
        produce_values(broker, topic, first, 6)
        wait(lambda: {v for _, _, v in consumed()} >= set(first), "the first records")
        victim = 0
        lost = last_assignment(victim)
        os.kill(procs[victim].pid, signal.SIGKILL)
        procs[victim].wait(timeout=10)
        killed_at = time.monotonic()
        second = [f"y{i}" for i in range(300)]
        produce_values(broker, topic, second, 6)
        wait(lambda: all(last_assignment(i) is not None and len(last_assignment(i)) == 3 for i in (1, 2)),
             "the survivors taking over")
        assert time.monotonic() - killed_at >= 3.0, "partitions moved before the session could expire"
        assert last_assignment(1) | last_assignment(2) == set(range(6))
        assert lost <= last_assignment(1) | last_assignment(2)
        wait(lambda: {v for _, _, v in consumed()} >= set(first + second), "every record")
        # Re-delivered only when not committed: the victim's commits say where it stood.
        victim_commits: dict[int, int] = {}
        for l in lines(victim):
            if l.startswith("committed "):
                _, p, o = l.split()
                victim_commits[int(p)] = max(victim_commits.get(int(p), 0), int(o))
        counts: dict[tuple[int, int], int] = {}
        for p, o, _ in consumed():
            counts[(p, o)] = counts.get((p, o), 0) + 1
        for (p, o), n in counts.items():
            if n > 1:
                assert o >= victim_commits.get(p, 0), f"committed record {p}/{o} delivered {n} times"
    finally:
        for proc in procs:
            if proc.poll() is None:
                proc.terminate()
                try:
                    proc.wait(timeout=15)
                except subprocess.TimeoutExpired:
                    proc.kill()
                    proc.wait(timeout=5)


@pytest.mark.broker_config(FAST)
def test_kafka_python_group_round_trip(broker):
    from kafka import KafkaConsumer

    topic = unique_topic("kp")
    create_topic(broker.bootstrap, topic, partitions=3)
    produce_values(broker, topic, [f"k{i}" for i in range(30)], 3)
    group = unique_topic("g")

    def consume(expected: int) -> list[str]:
        c = KafkaConsumer(topic, bootstrap_servers=broker.bootstrap, group_id=group, auto_offset_reset="earliest",
                          enable_auto_commit=False, consumer_timeout_ms=1000, session_timeout_ms=10000,
                          api_version_auto_timeout_ms=10000)
        got: list[str] = []
        deadline = time.monotonic() + TIMEOUT
        try:
            while len(got) < expected and time.monotonic() < deadline:
                for batch in c.poll(timeout_ms=500).values():
                    got += [r.value.decode() for r in batch]
            c.commit()
        finally:
            c.close()
        return got

    assert sorted(consume(30)) == sorted(f"k{i}" for i in range(30))
    produce_values(broker, topic, [f"m{i}" for i in range(6)], 3)
    assert sorted(consume(6)) == sorted(f"m{i}" for i in range(6))


@pytest.mark.broker_config(FAST)
def test_error_codes_over_raw_requests_and_the_group_stays_healthy(broker):
    topic = unique_topic("raw")
    create_topic(broker.bootstrap, topic, partitions=2)
    group = unique_topic("g")
    with broker.conn() as conn:
        assert g.join_group(conn, "", "", [topic]).error == g.ERR_INVALID_GROUP_ID
        assert g.join_group_flexible_error(conn, "x" * 40000) == g.ERR_INVALID_GROUP_ID
        assert g.join_group(conn, group, "", [topic], session_timeout_ms=100).error == g.ERR_INVALID_SESSION_TIMEOUT
        assert g.join_group(conn, group, "made-up", [topic]).error == g.ERR_UNKNOWN_MEMBER_ID
        joined = g.join_member(conn, group, [topic])
        assert joined.error == g.ERR_NONE and joined.generation == 1 and joined.leader == joined.member_id
        assert [m for m, _ in joined.members] == [joined.member_id]
        me, gen = joined.member_id, joined.generation
        err, assignment = g.sync_group(conn, group, gen, me, {me: b"\x00\x01assign"})
        assert (err, assignment) == (g.ERR_NONE, b"\x00\x01assign")

        assert g.heartbeat(conn, group, gen + 5, me) == g.ERR_ILLEGAL_GENERATION
        assert g.heartbeat(conn, group, gen, "nobody") == g.ERR_UNKNOWN_MEMBER_ID
        assert g.heartbeat(conn, "", gen, me) == g.ERR_INVALID_GROUP_ID
        assert g.sync_group(conn, group, gen + 1, me)[0] == g.ERR_ILLEGAL_GENERATION
        assert g.offset_commit(conn, group, gen + 1, me, {(topic, 0): 5}) == {(topic, 0): g.ERR_ILLEGAL_GENERATION}
        assert g.offset_commit(conn, group, gen, "nobody", {(topic, 0): 5}) == {(topic, 0): g.ERR_UNKNOWN_MEMBER_ID}
        result = g.offset_commit(conn, group, gen, me, {(topic, 0): 5, ("no-such-topic", 0): 1, (topic, 9): 2})
        assert result == {(topic, 0): g.ERR_NONE, ("no-such-topic", 0): g.ERR_UNKNOWN_TOPIC_OR_PARTITION,
                          (topic, 9): g.ERR_UNKNOWN_TOPIC_OR_PARTITION}

        # Still healthy: same generation, heartbeats fine, the good commit is there.
        assert g.heartbeat(conn, group, gen, me) == g.ERR_NONE
        err, offsets = g.offset_fetch(conn, group, {topic: [0, 1]})
        assert err == 0 and offsets == {(topic, 0): (5, 0), (topic, 1): (-1, 0)}
        err, offsets = g.offset_fetch(conn, group, None)
        assert offsets == {(topic, 0): (5, 0)}

        # A simple (assign-only) consumer commits without joining, in a group of its own.
        simple = unique_topic("simple")
        assert g.offset_commit(conn, simple, -1, "", {(topic, 1): 7}) == {(topic, 1): g.ERR_NONE}
        assert g.offset_fetch(conn, simple, {topic: [1]})[1] == {(topic, 1): (7, 0)}
        # ...but not in a group with members.
        assert g.offset_commit(conn, group, -1, "", {(topic, 1): 7}) == {(topic, 1): g.ERR_UNKNOWN_MEMBER_ID}

        top, errors = g.leave_group(conn, group, [me, "ghost"])
        assert (top, errors) == (0, [g.ERR_NONE, g.ERR_UNKNOWN_MEMBER_ID])
        assert g.heartbeat(conn, group, gen, me) == g.ERR_UNKNOWN_MEMBER_ID


@pytest.mark.broker_config(FAST)
def test_rebalance_in_progress_and_rebalance_timeout_over_raw_requests(broker):
    topic = unique_topic("rb")
    create_topic(broker.bootstrap, topic, partitions=2)
    group = unique_topic("g")
    with broker.conn() as a, broker.conn(timeout=20) as b:
        first = g.join_member(a, group, [topic], rebalance_timeout_ms=3000)
        assert g.sync_group(a, group, first.generation, first.member_id, {})[0] == g.ERR_NONE
        # b's join waits for a to rejoin; a hears about it in its heartbeat but never rejoins.
        b_first = g.join_group(b, group, "", [topic], rebalance_timeout_ms=3000)
        assert b_first.error == g.ERR_MEMBER_ID_REQUIRED
        started = time.monotonic()
        g.send_join(b, 77, group=group, member_id=b_first.member_id, topics=[topic], rebalance_timeout_ms=3000)
        deadline = time.monotonic() + 5
        while g.heartbeat(a, group, first.generation, first.member_id) != g.ERR_REBALANCE_IN_PROGRESS:
            assert time.monotonic() < deadline, "no REBALANCE_IN_PROGRESS"
            time.sleep(0.05)
        joined = g.parse_join(g.read_response(b, 77))
        waited = time.monotonic() - started
        assert joined.error == g.ERR_NONE and joined.generation == 2
        assert joined.leader == joined.member_id and [m for m, _ in joined.members] == [joined.member_id]
        assert waited >= 2.0, f"join completed after {waited:.1f}s, before the rebalance timeout"
        assert g.heartbeat(a, group, first.generation, first.member_id) == g.ERR_UNKNOWN_MEMBER_ID



@pytest.mark.broker_config(FAST)
def test_hundreds_of_async_commits_leave_the_last_one_committed(broker):
    from async_commits import committed_offset, consume_committing_async, produce_records

    topic = unique_topic("asynccommit")
    create_topic(broker.bootstrap, topic, partitions=1)
    produce_records(broker.bootstrap, topic, 600)
    consume_committing_async(broker.bootstrap, topic, "async-committer", 600, every=2)
    assert committed_offset(broker.bootstrap, topic, "async-committer", 600) == 600
    # The stored records agree: after a restart the coordinator reloads them.
    broker.restart()
    assert committed_offset(broker.bootstrap, topic, "async-committer", 600) == 600


# A consumer whose subscribed topic is deleted, in a process of its own: librdkafka 2.0.2 can
# hang in rd_kafka_destroy afterwards (see the test below), so the test kills it by PID.
DELETED_TOPIC_CONSUMER = """
import sys, time
from confluent_kafka import Consumer, KafkaException, TopicPartition
bootstrap, topic = sys.argv[1], sys.argv[2]
c = Consumer({"bootstrap.servers": bootstrap, "group.id": "deleted-topic",
              "auto.offset.reset": "earliest", "topic.metadata.refresh.interval.ms": 300})
c.subscribe([topic])
deadline = time.monotonic() + 30
while len(c.assignment()) < 2 and time.monotonic() < deadline:
    c.poll(0.1)
print("assigned", len(c.assignment()), flush=True)
sys.stdin.readline()  # the topic is deleted meanwhile
while time.monotonic() < deadline:
    msg = c.poll(0.1)
    if msg is not None and msg.error():
        print("metadata", msg.error().code(), flush=True)
        break
try:
    c.commit(offsets=[TopicPartition(topic, 0, 3)], asynchronous=False)
    print("commit 0", flush=True)
except KafkaException as e:
    print("commit", e.args[0].code(), flush=True)
time.sleep(60)  # killed by the test
"""


@pytest.mark.broker_config(FAST)
def test_a_subscribed_topic_deleted_is_answered_as_kafka_answers_it(broker):
    """What a consumer meets once its topic is deleted, as Kafka answers it: Metadata says
    UNKNOWN_TOPIC_OR_PARTITION with no partitions (the client reports the topic unavailable and
    drops its partitions), Fetch says UNKNOWN_TOPIC_OR_PARTITION with an unknown (-1) high
    watermark and an empty record set, and OffsetCommit refuses the deleted partitions with
    UNKNOWN_TOPIC_OR_PARTITION. librdkafka 2.0.2 may then hang in rd_kafka_destroy, on a
    reference it keeps itself to the removed partitions (docs/groups.md)."""
    from confluent_kafka.admin import AdminClient

    import kafka_wire as w

    topic = unique_topic("gone")
    create_topic(broker.bootstrap, topic, partitions=2)
    produce_values(broker, topic, [f"v{i}" for i in range(6)], 2)
    consumer = subprocess.Popen([sys.executable, "-c", DELETED_TOPIC_CONSUMER, broker.bootstrap,
                                 topic], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    guard = threading.Timer(TIMEOUT, consumer.kill)  # bounds the reads below
    guard.start()
    try:
        assert consumer.stdout.readline() == "assigned 2\n"
        admin = AdminClient({"bootstrap.servers": broker.bootstrap})
        admin.delete_topics([topic])[topic].result(30)
        consumer.stdin.write("deleted\n")
        consumer.stdin.flush()
        unknown = 3  # UNKNOWN_TOPIC_OR_PARTITION
        assert consumer.stdout.readline() == f"metadata {unknown}\n"
        assert consumer.stdout.readline() == f"commit {unknown}\n"
    finally:
        guard.cancel()
        consumer.kill()
        consumer.wait(timeout=10)
    with broker.conn() as conn:
        fetched = w.decode_fetch_v4_response(
            conn.request(w.API_FETCH, 4, w.fetch_v4_body(topic, 0, 0)))
    assert [(f.error_code, f.high_watermark, f.records_size) for f in fetched] == [(3, -1, 0)]
