"""How groups rebalance, with real librdkafka consumers (issue 3).

- cooperative-sticky: when a member joins, only the partitions that change owner are revoked;
  the others keep being consumed, and no record is lost or read twice;
- a broker restart: members are restored from __consumer_offsets and carry on in the same
  generation, without a rebalance;
- static membership (group.instance.id): a member that restarts within its session timeout gets
  its partitions back and the other members see no rebalance.
Every wait is bounded.
"""

from __future__ import annotations

import time

import pytest
from confluent_kafka import Consumer

from systest_helpers import create_topic, make_producer, unique_topic

FAST = {"group.initial.rebalance.delay.ms": "0", "offsets.topic.num.partitions": "3"}
TIMEOUT = 60.0


class Member:
    """A subscribed consumer that records its rebalance callbacks and what it consumed."""

    def __init__(self, b, group: str, topic: str, name: str, **conf):
        base = {
            "bootstrap.servers": b.bootstrap,
            "group.id": group,
            "session.timeout.ms": 10000,
            "heartbeat.interval.ms": 500,
            "enable.auto.commit": False,
            "auto.offset.reset": "earliest",
            "fetch.wait.max.ms": 100,
        }
        base.update(conf)
        self.name = name
        self.events: list[tuple[str, set[int]]] = []
        self.seen: list[tuple[int, int, str]] = []
        self.consumer = Consumer(base)
        self.consumer.subscribe(
            [topic],
            on_assign=lambda c, ps: self.events.append(("assign", {p.partition for p in ps})),
            on_revoke=lambda c, ps: self.events.append(("revoke", {p.partition for p in ps})))

    def owned(self) -> set[int]:
        return {tp.partition for tp in self.consumer.assignment()}

    def poll_once(self) -> None:
        msg = self.consumer.poll(0.05)
        if msg is None or msg.error():
            return
        self.seen.append((msg.partition(), msg.offset(), msg.value().decode()))
        self.consumer.commit(message=msg, asynchronous=False)

    def close(self) -> None:
        self.consumer.close()


def run_until(members: list[Member], predicate, what: str, timeout: float = TIMEOUT) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for m in members:
            m.poll_once()
        if predicate():
            return
    raise AssertionError(f"timed out waiting for {what}: " + "; ".join(
        f"{m.name} owns {sorted(m.owned())} events {m.events}" for m in members))


def balanced(members: list[Member], partitions: int) -> bool:
    owned = [m.owned() for m in members]
    sizes = sorted(len(o) for o in owned)
    return set().union(*owned) == set(range(partitions)) and sum(sizes) == partitions and \
        sizes[-1] - sizes[0] <= 1


def produce(b, topic: str, values: list[str], partitions: int) -> None:
    p = make_producer(b.bootstrap)
    for i, v in enumerate(values):
        p.produce(topic, value=v.encode(), partition=i % partitions)
    assert p.flush(30) == 0


def consumed(members: list[Member]) -> list[str]:
    return sorted(v for m in members for _, _, v in m.seen)


@pytest.mark.broker_config(FAST)
def test_cooperative_sticky_moves_only_the_partitions_that_change_owner(broker):
    topic, group = unique_topic("coop"), unique_topic("g")
    create_topic(broker.bootstrap, topic, partitions=6)
    coop = {"partition.assignment.strategy": "cooperative-sticky"}
    a, b = Member(broker, group, topic, "a", **coop), Member(broker, group, topic, "b", **coop)
    members = [a, b]
    try:
        run_until(members, lambda: balanced(members, 6), "a and b sharing 6 partitions")
        before = {m.name: m.owned() for m in members}
        first = [f"x{i}" for i in range(120)]
        produce(broker, topic, first, 6)
        run_until(members, lambda: len(consumed(members)) >= len(first), "the first records")

        events_before = {m.name: len(m.events) for m in members}
        c = Member(broker, group, topic, "c", **coop)
        members.append(c)
        run_until(members, lambda: balanced(members, 6) and len(c.owned()) == 2, "c taking two partitions")
        for m in (a, b):
            later = m.events[events_before[m.name]:]
            revoked = set().union(*(ps for kind, ps in later if kind == "revoke"))
            # Cooperative: a member gives up only what moves to c, keeps the rest all along.
            assert revoked <= c.owned(), f"{m.name} revoked {revoked}, c owns {c.owned()}"
            assert m.owned() == before[m.name] - revoked
            assert len(m.owned()) == 2
        # c gets an empty assignment in the first round (a and b revoke), its two in the second.
        assert {kind for kind, _ in c.events} == {"assign"}
        assert set().union(*(ps for _, ps in c.events)) == c.owned()

        second = [f"y{i}" for i in range(120)]
        produce(broker, topic, second, 6)
        run_until(members, lambda: len(consumed(members)) >= len(first + second), "the second records")
        end = time.monotonic() + 1.0
        while time.monotonic() < end:  # a record read twice would show up here
            for m in members:
                m.poll_once()
    finally:
        for m in members:
            m.close()
    assert consumed(members) == sorted(first + second)


@pytest.mark.broker_config(FAST)
def test_members_carry_on_after_a_broker_restart_without_rebalancing(broker):
    topic, group = unique_topic("restart"), unique_topic("g")
    create_topic(broker.bootstrap, topic, partitions=4)
    members = [Member(broker, group, topic, "a"), Member(broker, group, topic, "b")]
    try:
        run_until(members, lambda: balanced(members, 4), "two members sharing 4 partitions")
        produce(broker, topic, [f"x{i}" for i in range(40)], 4)
        run_until(members, lambda: len(consumed(members)) >= 40, "the first records")
        events = [list(m.events) for m in members]
        owned = [m.owned() for m in members]

        broker.restart()
        produce(broker, topic, [f"y{i}" for i in range(40)], 4)
        run_until(members, lambda: len(consumed(members)) >= 80, "the records produced after the restart")
        end = time.monotonic() + 3.0  # a few heartbeats: they must not trigger a rebalance
        while time.monotonic() < end:
            for m in members:
                m.poll_once()
        assert [m.events for m in members] == events, "the restart caused a rebalance"
        assert [m.owned() for m in members] == owned
    finally:
        for m in members:
            m.close()
    assert consumed(members) == sorted([f"x{i}" for i in range(40)] + [f"y{i}" for i in range(40)])


@pytest.mark.broker_config(FAST)
def test_static_member_restarting_within_its_session_gets_its_partitions_back(broker):
    topic, group = unique_topic("static"), unique_topic("g")
    create_topic(broker.bootstrap, topic, partitions=4)
    a = Member(broker, group, topic, "a", **{"group.instance.id": "instance-a"})
    b = Member(broker, group, topic, "b", **{"group.instance.id": "instance-b"})
    members = [a, b]
    try:
        run_until(members, lambda: balanced(members, 4), "two static members sharing 4 partitions")
        a_owned, b_events = a.owned(), list(b.events)
        a.close()  # a static member leaves no LeaveGroup behind: its place is kept
        members = [b]
        a2 = Member(broker, group, topic, "a2", **{"group.instance.id": "instance-a"})
        members = [a2, b]
        run_until(members, lambda: a2.owned() == a_owned, "the restarted static member's partitions")
        produce(broker, topic, [f"s{i}" for i in range(40)], 4)
        run_until(members, lambda: len(consumed(members)) >= 40, "the records")
        assert b.events == b_events, "the other member saw a rebalance"
        assert [kind for kind, _ in a2.events] == ["assign"]
    finally:
        for m in members:
            m.close()
    assert consumed(members) == sorted(f"s{i}" for i in range(40))
