"""Group administration with kafka-python's admin client (issue 3): ListGroups, DescribeGroups
(member assignments decoded for the "consumer" protocol), OffsetFetch of a group, DeleteGroups
with its errors, and offsets.retention.minutes expiring the offsets of an empty group.
"""

from __future__ import annotations

import time
from contextlib import closing

import pytest
from confluent_kafka import Consumer, TopicPartition
from kafka import KafkaAdminClient
from kafka import TopicPartition as KTopicPartition
from kafka.errors import GroupIdNotFoundError, NoError, NonEmptyGroupError

import groups_wire as g
from systest_helpers import create_topic, make_producer, unique_topic

FAST = {"group.initial.rebalance.delay.ms": "0", "offsets.topic.num.partitions": "3"}
TIMEOUT = 60.0


def admin(b) -> KafkaAdminClient:
    return KafkaAdminClient(bootstrap_servers=b.bootstrap, api_version_auto_timeout_ms=10000,
                            request_timeout_ms=20000)


def member(b, group: str, topic: str, client_id: str) -> Consumer:
    c = Consumer({"bootstrap.servers": b.bootstrap, "group.id": group, "client.id": client_id,
                  "session.timeout.ms": 6000, "heartbeat.interval.ms": 500,
                  "enable.auto.commit": False, "auto.offset.reset": "earliest"})
    c.subscribe([topic])
    return c


def wait_assigned(consumers: list[Consumer], partitions: int) -> None:
    deadline = time.monotonic() + TIMEOUT
    while time.monotonic() < deadline:
        for c in consumers:
            c.poll(0.05)
        if sum(len(c.assignment()) for c in consumers) == partitions and all(c.assignment() for c in consumers):
            return
    raise AssertionError("the group did not settle")


def commit(b, group: str, topic: str, offsets: dict[int, int]) -> None:
    """A simple (assign-only) consumer's commit, without joining the group."""
    c = Consumer({"bootstrap.servers": b.bootstrap, "group.id": group, "enable.auto.commit": False})
    try:
        c.commit(offsets=[TopicPartition(topic, p, o) for p, o in offsets.items()], asynchronous=False)
    finally:
        c.close()


@pytest.mark.broker_config(FAST)
def test_list_describe_and_delete_groups(broker):
    topic, group, simple = unique_topic("adm"), unique_topic("g"), unique_topic("simple")
    create_topic(broker.bootstrap, topic, partitions=4)
    p = make_producer(broker.bootstrap)
    for i in range(8):
        p.produce(topic, value=b"v", partition=i % 4)
    assert p.flush(30) == 0
    commit(broker, simple, topic, {0: 3, 2: 5})
    consumers = [member(broker, group, topic, f"client-{i}") for i in range(2)]
    a = admin(broker)
    try:
        wait_assigned(consumers, 4)
        listed = dict(a.list_consumer_groups())
        assert listed[group] == "consumer"
        assert listed[simple] == ""  # a group of simple consumers has no protocol type

        [info] = a.describe_consumer_groups([group])
        assert (info.error_code, info.group, info.state, info.protocol_type) == (0, group, "Stable", "consumer")
        assert info.protocol in ("range", "roundrobin")
        assert sorted(m.client_id for m in info.members) == ["client-0", "client-1"]
        assigned = []
        for m in info.members:
            assert m.client_host.startswith("/127.0.0.1")
            assert m.member_metadata.subscription == [topic]
            for t, partitions in m.member_assignment.assignment:
                assert t == topic
                assigned += partitions
        assert sorted(assigned) == [0, 1, 2, 3]

        [unknown] = a.describe_consumer_groups([unique_topic("nobody")])
        assert (unknown.error_code, unknown.state, unknown.members) == (0, "Dead", [])

        offsets = a.list_consumer_group_offsets(simple)
        assert {tp.partition: om.offset for tp, om in offsets.items()} == {0: 3, 2: 5}
        partial = a.list_consumer_group_offsets(simple, partitions=[KTopicPartition(topic, 1)])
        assert {tp.partition: om.offset for tp, om in partial.items()} == {1: -1}

        ghost = unique_topic("ghost")
        results = dict(a.delete_consumer_groups([group, ghost]))
        assert results == {group: NonEmptyGroupError, ghost: GroupIdNotFoundError}
        assert a.describe_consumer_groups([group])[0].state == "Stable"  # untouched

        for c in consumers:
            c.close()
        consumers = []
        deadline = time.monotonic() + TIMEOUT
        while a.describe_consumer_groups([group])[0].state != "Empty":
            assert time.monotonic() < deadline, "the group did not become Empty"
            time.sleep(0.2)
        assert dict(a.delete_consumer_groups([group, simple])) == {group: NoError, simple: NoError}
        assert group not in dict(a.list_consumer_groups())
        assert a.list_consumer_group_offsets(simple) == {}
    finally:
        for c in consumers:
            c.close()
        a.close()

    # Deleted for good: still gone after a restart (the tombstones were stored).
    broker.restart()
    with closing(admin(broker)) as a:
        groups = dict(a.list_consumer_groups())
        assert group not in groups and simple not in groups


@pytest.mark.broker_config({**FAST, "offsets.retention.minutes": "1",
                            "offsets.retention.check.interval.ms": "500"})
def test_offsets_of_an_empty_group_expire_after_the_retention(broker):
    topic, simple = unique_topic("ret"), unique_topic("simple")
    create_topic(broker.bootstrap, topic, partitions=2)
    commit(broker, simple, topic, {0: 1, 1: 2})
    with closing(admin(broker)) as a:
        assert len(a.list_consumer_group_offsets(simple)) == 2
        committed_at = time.monotonic()
        deadline = committed_at + 90
        while a.list_consumer_group_offsets(simple):
            assert time.monotonic() < deadline, "the offsets never expired"
            time.sleep(1.0)
        assert time.monotonic() - committed_at >= 50, "expired before offsets.retention.minutes"
        assert simple not in dict(a.list_consumer_groups())
    broker.restart()  # the expiry was stored: nothing comes back
    with closing(admin(broker)) as a:
        assert a.list_consumer_group_offsets(simple) == {}


@pytest.mark.broker_config(FAST)
def test_offset_delete_refuses_subscribed_topics_and_its_deletions_last(broker):
    topic, other, group = unique_topic("sub"), unique_topic("other"), unique_topic("g")
    create_topic(broker.bootstrap, topic, partitions=2)
    create_topic(broker.bootstrap, other, partitions=1)
    with broker.conn() as conn:
        joined = g.join_member(conn, group, [topic])
        me, gen = joined.member_id, joined.generation
        assert g.sync_group(conn, group, gen, me, {me: b""})[0] == g.ERR_NONE
        assert set(g.offset_commit(conn, group, gen, me, {(topic, 0): 4, (other, 0): 9}).values()) == {0}

        error, result = g.offset_delete(conn, group, {topic: [0], other: [0]})
        assert (error, result) == (0, {(topic, 0): g.ERR_GROUP_SUBSCRIBED_TO_TOPIC, (other, 0): g.ERR_NONE})
        assert g.offset_delete(conn, unique_topic("nobody"), {topic: [0]}) == (g.ERR_GROUP_ID_NOT_FOUND, {})
        assert g.offset_fetch(conn, group, None)[1] == {(topic, 0): (4, 0)}

        assert g.leave_group(conn, group, [me]) == (0, [g.ERR_NONE])
        assert g.offset_delete(conn, group, {topic: [0, 1]}) == (0, {(topic, 0): 0, (topic, 1): 0})
        assert g.offset_fetch(conn, group, None)[1] == {}
    broker.restart()
    with broker.conn() as conn:
        assert g.offset_fetch(conn, group, None)[1] == {}  # the deletions were stored


@pytest.mark.broker_config({**FAST, "group.min.session.timeout.ms": "500"})
def test_a_static_members_session_ends_at_its_deadline_for_delete_groups(broker):
    """A static member that stops (no LeaveGroup: static members keep their place) is gone
    session.timeout.ms after its last heartbeat, not on a later round of a timer: DeleteGroups
    sent right then succeeds."""
    topic = unique_topic("static")
    create_topic(broker.bootstrap, topic, partitions=1)
    session_s = 1.0
    c = Consumer({"bootstrap.servers": broker.bootstrap, "group.id": "static-group",
                  "group.instance.id": "instance-1", "session.timeout.ms": int(session_s * 1000),
                  "heartbeat.interval.ms": 200, "auto.offset.reset": "earliest"})
    c.subscribe([topic])
    wait_assigned([c], 1)
    c.close()  # its last heartbeat was sent before this returns
    stopped = time.monotonic()
    with closing(admin(broker)) as a:
        a.list_consumer_groups()  # connected and ready before the deadline
        time.sleep(max(0.0, stopped + session_s - time.monotonic()))
        assert a.delete_consumer_groups(["static-group"]) == [("static-group", NoError)]
