"""Replication on a 3-broker cluster with one ZooKeeper: followers fetch from leaders, the ISR,
acks=all with min.insync.replicas, and failover to an in-sync follower."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from systest_helpers import (admin_client, consume_partition, create_topic, error_name,
                             make_producer, unique_topic, wait_for)


def partitions_of(bootstrap: str, topic: str) -> dict:
    """partition -> (leader, replicas, isr) as the cluster's metadata shows them (waiting for the
    broker asked to know the topic: brokers learn of new topics through ZooKeeper watches)."""
    admin = admin_client(bootstrap)
    layout = {}

    def known():
        md = admin.list_topics(topic=topic, timeout=10)
        partitions = md.topics[topic].partitions.values() if topic in md.topics else []
        layout.update({p.id: (p.leader, list(p.replicas), sorted(p.isrs)) for p in partitions})
        return bool(layout) and all(p.leader >= 0 for p in partitions)

    wait_for(known, 10, f"topic {topic} in metadata, with leaders")
    return layout


def wait_isr(bootstrap: str, topic: str, partition: int, isr: list[int], timeout: float = 30.0) -> None:
    wait_for(lambda: partitions_of(bootstrap, topic)[partition][2] == sorted(isr), timeout,
             f"{topic}-{partition} ISR {isr}")


# Without idempotence, a producer with several requests in flight may store them out of order:
# on a just-created topic the first requests can meet a leader still taking its role
# (NOT_LEADER_OR_FOLLOWER) and be retried after a later one was stored. Kafka allows that, so
# tests that read records back in order send one request at a time.
IN_ORDER = {"max.in.flight.requests.per.connection": 1}


def produce_all(bootstrap: str, topic: str, values: list[bytes], partition: int = 0,
                acks: str = "all", **conf) -> list:
    """Produces `values` in order (with acks=all unless told); returns the delivery errors' names
    (None for each success)."""
    producer = make_producer(bootstrap, acks=acks, **{**IN_ORDER, **conf})
    results = []
    for v in values:
        producer.produce(topic, value=v, partition=partition,
                         on_delivery=lambda err, msg: results.append(error_name(err)))
    assert producer.flush(60) == 0
    return results


def test_topic_is_replicated_on_three_brokers(cluster3):
    bootstrap = cluster3.bootstrap_servers()
    topic = unique_topic("rep")
    create_topic(bootstrap, topic, partitions=3, replication_factor=3)
    layout = partitions_of(bootstrap, topic)
    assert sorted(layout) == [0, 1, 2]
    for leader, replicas, isr in layout.values():
        assert sorted(replicas) == [1, 2, 3]
        assert leader == replicas[0]
        assert isr == [1, 2, 3]
    # Leaders are spread: each broker leads one partition.
    assert sorted(leader for leader, _, _ in layout.values()) == [1, 2, 3]

    values = [f"v{i}".encode() for i in range(500)]
    assert produce_all(bootstrap, topic, values) == [None] * len(values)
    got = consume_partition(bootstrap, topic, 0, expected=len(values))
    assert [m.value() for m in got] == values

    # Every follower holds the same records: with the leader gone, a follower serves them all.
    leader = layout[0][0]
    cluster3.kill(leader)
    wait_for(lambda: partitions_of(bootstrap, topic)[0][0] not in (leader, -1), 30,
             "a new leader for partition 0")
    got = consume_partition(bootstrap, topic, 0, expected=len(values))
    assert [m.value() for m in got] == values
    assert [m.offset() for m in got] == list(range(len(values)))


def thread_names(pid: int) -> set[str]:
    tasks = Path(f"/proc/{pid}/task")
    names = set()
    for task in tasks.iterdir():
        try:
            names.add((task / "comm").read_text().strip())
        except FileNotFoundError:  # the thread ended meanwhile
            pass
    return names


def test_threads_are_named_after_their_work(cluster3):
    """`top -H` and profiles tell the threads apart: each broker's network threads, flusher,
    cluster and controller threads, and one replica fetcher per leader it follows."""
    bootstrap = cluster3.bootstrap_servers()
    topic = unique_topic("names")
    create_topic(bootstrap, topic, partitions=3, replication_factor=3)
    partitions_of(bootstrap, topic)  # every partition has its leader: followers fetch
    expected_everywhere = {"network-0", "network-1", "flusher", "background", "cluster", "controller",
                           "group-timers", "group-loader", "registration"}
    for broker_id, broker in cluster3.brokers.items():
        others = {f"fetcher-{other}" for other in cluster3.brokers if other != broker_id}
        wait_for(lambda: expected_everywhere | others <= thread_names(broker.proc.pid), 15,
                 f"broker {broker_id}'s named threads")


def test_acks_all_needs_min_insync_replicas(cluster3):
    bootstrap = cluster3.bootstrap_servers()
    topic = unique_topic("minisr")
    create_topic(bootstrap, topic, partitions=1, replication_factor=3, **{"min.insync.replicas": "2"})
    leader, replicas, _ = partitions_of(bootstrap, topic)[0]
    followers = [r for r in replicas if r != leader]
    assert produce_all(bootstrap, topic, [b"a", b"b"]) == [None, None]

    cluster3.kill(followers[0])
    wait_isr(bootstrap, topic, 0, sorted([leader, followers[1]]))
    assert produce_all(bootstrap, topic, [b"c"]) == [None]  # two in sync: enough

    cluster3.kill(followers[1])
    wait_isr(bootstrap, topic, 0, [leader])
    errors = produce_all(bootstrap, topic, [b"d"], **{"message.timeout.ms": 3000})
    assert errors[0] in ("NOT_ENOUGH_REPLICAS", "_MSG_TIMED_OUT"), errors

    # The followers come back, catch up and rejoin the ISR; writes are accepted again.
    cluster3.restart(followers[0])
    cluster3.restart(followers[1])
    wait_isr(bootstrap, topic, 0, [1, 2, 3], timeout=60)
    assert produce_all(bootstrap, topic, [b"e"]) == [None]
    got = [m.value() for m in consume_partition(bootstrap, topic, 0, expected=4)]
    assert got == [b"a", b"b", b"c", b"e"]


def test_restarted_broker_catches_up_and_rejoins(cluster3):
    bootstrap = cluster3.bootstrap_servers()
    topic = unique_topic("rejoin")
    create_topic(bootstrap, topic, partitions=1, replication_factor=3)
    leader, replicas, _ = partitions_of(bootstrap, topic)[0]
    follower = next(r for r in replicas if r != leader)
    cluster3.kill(follower)
    wait_isr(bootstrap, topic, 0, sorted(r for r in replicas if r != follower))
    values = [f"x{i}".encode() for i in range(300)]
    assert produce_all(bootstrap, topic, values) == [None] * len(values)
    cluster3.restart(follower)
    wait_isr(bootstrap, topic, 0, [1, 2, 3], timeout=60)
    # The rejoined follower now has everything: make it the only one left, with the others gone.
    for other in replicas:
        if other != follower:
            cluster3.kill(other)
    wait_for(lambda: partitions_of(cluster3.brokers[follower].bootstrap, topic)[0][0] == follower, 30,
             f"broker {follower} leading")
    got = consume_partition(cluster3.brokers[follower].bootstrap, topic, 0, expected=len(values))
    assert [m.value() for m in got] == values


# Followers' fetches park at the leader for up to replica.fetch.wait.max.ms: longer here than the
# produce may wait, so only a follower that stops waiting for its parked fetch when it is given a
# new partition to follow lets the acks=all records below through.
@pytest.mark.broker_config({"replica.fetch.wait.max.ms": "60000",
                            "replica.lag.time.max.ms": "120000"})
def test_followers_fetch_a_new_partition_while_their_fetch_is_parked(cluster3):
    bootstrap = cluster3.bootstrap_servers()
    first = unique_topic("parked")
    create_topic(bootstrap, first, partitions=1, replication_factor=3)
    partitions_of(bootstrap, first)
    assert produce_all(bootstrap, first, [b"parks the followers"]) == [None]
    # Acknowledged: both followers have the record, and their next fetches wait at its leader.
    time.sleep(0.5)

    second = unique_topic("new")
    create_topic(bootstrap, second, partitions=3, replication_factor=3)
    assert sorted(leader for leader, _, _ in partitions_of(bootstrap, second).values()) == [1, 2, 3]
    for partition in range(3):
        errors = produce_all(bootstrap, second, [f"p{partition}".encode()], partition=partition,
                             **{"message.timeout.ms": 20000})
        assert errors == [None], f"partition {partition}: {errors}"
    for partition in range(3):
        got = consume_partition(bootstrap, second, partition, expected=1)
        assert [m.value() for m in got] == [f"p{partition}".encode()]
