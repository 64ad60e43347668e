"""Failover on a 3-broker cluster: leaders killed with kill -9 while a producer streams with
acks=all, a killed leader's uncommitted records truncated, ZooKeeper restarted, a broker cut off
from the replication traffic. Each test checks that no acknowledged record is lost or moved, and
that consumers never saw a record that was later removed (docs/replication.md, "Failure cases
tested")."""

from __future__ import annotations

import json

import pytest

import cluster
from replication_checks import (AckedProducer, RecordingConsumer, check_acknowledged, check_seen,
                                final_log, replica_log, wait_seen_all)
from replication_links import CuttableLink, ReplicationLinks
from systest_helpers import admin_client, create_topic, unique_topic, wait_for
from test_replication import partitions_of, produce_all, wait_isr

ALL = [1, 2, 3]


def leaders(bootstrap: str, topic: str) -> dict[int, int]:
    """partition -> leader (-1 while offline), without waiting for every partition to have one."""
    md = admin_client(bootstrap).list_topics(topic=topic, timeout=10)
    return {p.id: p.leader for p in md.topics[topic].partitions.values()} if topic in md.topics else {}


def wait_leaders_elsewhere(bootstrap: str, topic: str, gone: int, timeout: float = 30.0) -> None:
    def elsewhere():
        current = leaders(bootstrap, topic)
        return bool(current) and all(leader not in (gone, -1) for leader in current.values())

    wait_for(elsewhere, timeout, f"{topic}: every partition led by a broker other than {gone}")


def wait_all_in_sync(bootstrap: str, topic: str, partitions: int, timeout: float = 60.0) -> None:
    for p in range(partitions):
        wait_isr(bootstrap, topic, p, ALL, timeout)


def produce_acks1(bootstrap: str, topic: str, values: list[bytes]) -> list:
    """Produces `values` in order to partition 0 with acks=1; returns the delivery errors' names."""
    return produce_all(bootstrap, topic, values, acks="1")


def check_replicas_agree(brokers, topic: str, partition: int, log: dict[int, bytes]) -> None:
    """Every replica's files hold the final log (up to its end: beyond it nothing is committed)."""
    end = max(log, default=-1)
    for broker in brokers:
        replica = {o: v for o, v in replica_log(broker, topic, partition).items() if o <= end}
        assert replica == log, f"{broker} differs from the committed log of {topic}-{partition}"


@pytest.fixture
def linked_cluster3(broker_factory, zookeeper, request):
    """Like cluster3, with replica.lag.time.max.ms=3000, every broker advertised through
    ReplicationLinks (a test can cut one off from the others' replication traffic) and reaching
    ZooKeeper through a CuttableLink of its own. Yields (cluster, replication links, {id: link})."""
    brokers = cluster.Cluster(broker_factory, zookeeper, 3, cluster.chroot_for(request.node.name),
                              {"replica.lag.time.max.ms": "3000"})
    links = ReplicationLinks({i: b.port for i, b in brokers.brokers.items()})
    zk_links = {i: CuttableLink(zookeeper.port) for i in brokers.brokers}
    for broker_id, broker in brokers.brokers.items():
        broker.props["advertised.listeners"] = f"PLAINTEXT://127.0.0.1:{links.port_of(broker_id)}"
        broker.props["zookeeper.connect"] = zk_links[broker_id].hosts + brokers.chroot
    try:
        brokers.start_all()
        brokers.wait_registered(ALL)
        brokers.wait_controller()
        yield brokers, links, zk_links
    finally:
        brokers.stop_all()
        links.close()
        for link in zk_links.values():
            link.close()


def start_stream(bootstrap: str, workdir, topic: str, partitions: int):
    """The topic (rf=3, min.insync.replicas=2), an acks=all producer streaming into it and two
    consumers (read_committed, read_uncommitted) recording what they get."""
    create_topic(bootstrap, topic, partitions=partitions, replication_factor=3,
                 **{"min.insync.replicas": "2"})
    partitions_of(bootstrap, topic)
    consumers = [RecordingConsumer(bootstrap, topic, partitions, level)
                 for level in ("read_committed", "read_uncommitted")]
    return AckedProducer(workdir, bootstrap, topic, partitions, max_seconds=150), consumers


def check_stream(brokers, topic: str, partitions: int, producer, consumers) -> None:
    """After the producer stopped: nothing acknowledged is lost or moved, consumers saw only
    records that stayed, every replica holds the committed log."""
    bootstrap = brokers.bootstrap_servers()
    logs = {p: final_log(bootstrap, topic, p) for p in range(partitions)}
    check_acknowledged(producer.acked(), logs)
    try:
        for consumer in consumers:
            wait_seen_all(consumer, logs)
    finally:
        for consumer in consumers:
            consumer.stop()
    for consumer in consumers:
        check_seen(consumer.seen, logs)
    for p in range(partitions):
        check_replicas_agree(brokers.brokers.values(), topic, p, logs[p])


def stream_through(brokers, workdir, topic: str, partitions: int, rounds: int, disrupt) -> None:
    """Streams into `topic` (start_stream) while `disrupt(producer)` runs `rounds` times, each
    after 100 more acknowledgements; then checks the stream (check_stream)."""
    producer, consumers = start_stream(brokers.bootstrap_servers(), workdir, topic, partitions)
    try:
        for _ in range(rounds):
            producer.wait_progress(100)
            disrupt(producer)
        producer.wait_progress(100)
    except BaseException:
        for consumer in consumers:
            consumer.stop()
        raise
    finally:
        producer.stop()
    check_stream(brokers, topic, partitions, producer, consumers)


def state_leader(brokers, topic: str, partition: int) -> int:
    """The leader in the partition-state znode (what the controller decided), read directly."""
    data, _ = brokers.zk().get(f"/brokers/topics/{topic}/partitions/{partition}/state")
    return json.loads(data)["leader"]


@pytest.mark.parametrize("partitions,rounds", [(1, 5), (3, 3)])
def test_leader_killed_repeatedly_loses_no_acknowledged_record(cluster3, tmp_path, partitions, rounds):
    bootstrap = cluster3.bootstrap_servers()
    topic = unique_topic("kill")

    def kill_leader(producer):
        leader = leaders(bootstrap, topic)[0]
        cluster3.kill(leader)
        wait_leaders_elsewhere(bootstrap, topic, leader)
        producer.wait_progress(20)  # two replicas in sync: acks=all goes on
        cluster3.restart(leader)
        wait_all_in_sync(bootstrap, topic, partitions)

    stream_through(cluster3, tmp_path, topic, partitions, rounds, kill_leader)


def test_leader_killed_and_restarted_at_once_loses_no_acknowledged_record(cluster3, tmp_path):
    """A crashed leader back before ZooKeeper expired its session (a supervisor restarting it):
    it must wait for its old registration to go, and lose nothing acknowledged meanwhile."""
    bootstrap = cluster3.bootstrap_servers()
    topic = unique_topic("bounce")

    def bounce_leader(_producer):
        leader = leaders(bootstrap, topic)[0]
        cluster3.kill(leader)
        cluster3.restart(leader)
        cluster3.wait_registered(ALL)
        wait_all_in_sync(bootstrap, topic, 3)

    stream_through(cluster3, tmp_path, topic, 3, 3, bounce_leader)


def test_leader_restarted_without_its_unflushed_tail_keeps_acknowledged_records(cluster3):
    """A crash that loses the page cache (power loss; simulated by cutting the killed broker's
    segment file in half) and a restart before ZooKeeper noticed. The broker killed is the
    controller and leads the partition written: the records acknowledged by the ISR are on the
    followers, and the cluster must serve them, not the restarted leader's shorter log."""
    bootstrap = cluster3.bootstrap_servers()
    topic = unique_topic("tail")
    create_topic(bootstrap, topic, partitions=3, replication_factor=3, **{"min.insync.replicas": "2"})
    layout = partitions_of(bootstrap, topic)
    victim = json.loads(cluster3.zk().get("/controller")[0])["brokerid"]
    partition = next(p for p, (leader, _, _) in layout.items() if leader == victim)
    acknowledged = [f"acknowledged-{i:04d}".encode() for i in range(200)]
    assert produce_all(bootstrap, topic, acknowledged, partition=partition) == [None] * 200
    cluster3.kill(victim)
    segment = cluster3.brokers[victim].active_segment(topic, partition)
    with open(segment, "r+b") as f:
        f.truncate(segment.stat().st_size // 2)
    cluster3.restart(victim)
    cluster3.wait_registered(ALL)
    wait_all_in_sync(bootstrap, topic, 3)

    later = [f"later-{i}".encode() for i in range(20)]
    assert produce_all(bootstrap, topic, later, partition=partition) == [None] * 20
    log = final_log(bootstrap, topic, partition)
    assert list(log.values()) == acknowledged + later
    wait_for(lambda: {o: v for o, v in replica_log(cluster3.brokers[victim], topic, partition).items()
                      if o in log} == log, 30, f"broker {victim} holding the committed log again")


def test_leader_cut_off_from_everything_loses_no_acknowledged_record(linked_cluster3, tmp_path):
    """The leader of partition 0 loses ZooKeeper and the other brokers while clients still reach
    it: its session expires, another ISR member is elected, and the old leader must neither
    acknowledge alone meanwhile nor keep its own records once it is back."""
    brokers, links, zk_links = linked_cluster3
    topic = unique_topic("zombie")

    def cut_leader_off(producer):
        cut = state_leader(brokers, topic, 0)
        links.isolate(cut)
        zk_links[cut].cut()
        wait_for(lambda: state_leader(brokers, topic, 0) not in (cut, -1), 30,
                 f"partition 0 led by another broker than {cut}")
        producer.wait_progress(100)
        zk_links[cut].heal()
        links.heal()
        brokers.wait_registered(ALL)
        wait_all_in_sync(brokers.bootstrap_servers(), topic, 3)

    stream_through(brokers, tmp_path, topic, 3, 1, cut_leader_off)


def test_killed_leader_truncates_its_uncommitted_records(linked_cluster3):
    brokers, links, _ = linked_cluster3
    bootstrap = brokers.bootstrap_servers()
    topic = unique_topic("trunc")
    create_topic(bootstrap, topic, partitions=1, replication_factor=3)
    leader, replicas, _ = partitions_of(bootstrap, topic)[0]
    lagging, successor = [r for r in replicas if r != leader]
    committed = [f"committed-{i}".encode() for i in range(10)]
    assert produce_all(bootstrap, topic, committed) == [None] * 10

    brokers.kill(lagging)  # out of sync: it may not be elected (unclean election is off)
    wait_isr(bootstrap, topic, 0, sorted([leader, successor]))
    links.isolate(leader)  # the successor stops copying; it stays in the ISR for 3 s
    uncommitted = [f"uncommitted-{i}".encode() for i in range(5)]
    assert produce_acks1(bootstrap, topic, uncommitted) == [None] * 5
    on_leader = replica_log(brokers.brokers[leader], topic, 0)
    assert [on_leader.get(10 + i) for i in range(5)] == uncommitted
    brokers.kill(leader)
    links.heal()
    assert 10 not in replica_log(brokers.brokers[successor], topic, 0)

    wait_leaders_elsewhere(bootstrap, topic, leader)
    assert leaders(bootstrap, topic)[0] == successor
    newer = [f"newer-{i}".encode() for i in range(3)]
    assert produce_all(bootstrap, topic, newer) == [None] * 3
    brokers.restart(lagging)
    brokers.restart(leader)
    wait_all_in_sync(bootstrap, topic, 1)

    expected = dict(enumerate(committed + newer))
    assert final_log(bootstrap, topic, 0) == expected
    wait_for(lambda: replica_log(brokers.brokers[leader], topic, 0) == expected, 30,
             f"broker {leader}'s log truncated to the new leader's and refilled")
    check_replicas_agree(brokers.brokers.values(), topic, 0, expected)


def test_follower_ahead_of_an_empty_new_leader_truncates(linked_cluster3):
    """The first record of a partition reaches the leader and one follower only; the leader dies
    and the other follower, still in the ISR with an empty log, is elected. The follower that has
    the uncommitted record must drop it (nothing is written meanwhile) and then copy the new
    leader's records."""
    brokers, links, _ = linked_cluster3
    bootstrap = brokers.bootstrap_servers()
    topic = unique_topic("ahead")
    create_topic(bootstrap, topic, partitions=1, replication_factor=3)
    leader, replicas, _ = partitions_of(bootstrap, topic)[0]
    successor, ahead = [r for r in replicas if r != leader]  # the election picks `successor`
    links.isolate(successor)  # for less than replica.lag.time.max.ms: it stays in the ISR
    assert produce_acks1(bootstrap, topic, [b"uncommitted"]) == [None]
    wait_for(lambda: replica_log(brokers.brokers[ahead], topic, 0) == {0: b"uncommitted"}, 10,
             f"broker {ahead} holding the uncommitted record")
    brokers.kill(leader)
    links.heal()
    wait_for(lambda: state_leader(brokers, topic, 0) == successor, 30, f"broker {successor} leading")
    wait_for(lambda: replica_log(brokers.brokers[ahead], topic, 0) == {}, 15,
             f"broker {ahead} dropping the uncommitted record")
    assert produce_all(bootstrap, topic, [b"acknowledged"]) == [None]
    wait_isr(bootstrap, topic, 0, sorted([successor, ahead]))
    wait_for(lambda: replica_log(brokers.brokers[ahead], topic, 0) == {0: b"acknowledged"}, 20,
             f"broker {ahead} holding the new leader's log")


def test_election_follows_the_isr_the_leader_shrank(linked_cluster3):
    """A leader (not the controller) drops a cut-off follower from the ISR and acknowledges
    records with the other one; then it dies. The controller, which did not write that ISR, must
    elect the follower that has the records, not the first replica of its older picture."""
    brokers, links, _ = linked_cluster3
    bootstrap = brokers.bootstrap_servers()
    topic = unique_topic("shrunk")
    create_topic(bootstrap, topic, partitions=3, replication_factor=3, **{"min.insync.replicas": "2"})
    layout = partitions_of(bootstrap, topic)
    controller = json.loads(brokers.zk().get("/controller")[0])["brokerid"]
    partition, (leader, replicas, _) = next((p, state) for p, state in layout.items()
                                            if state[0] != controller)
    first, second = [r for r in replicas if r != leader]  # `first` would be elected from [all]
    links.isolate(first)
    wait_isr(bootstrap, topic, partition, sorted([leader, second]))
    acknowledged = [f"acknowledged-{i}".encode() for i in range(50)]
    assert produce_all(bootstrap, topic, acknowledged, partition=partition) == [None] * 50
    brokers.kill(leader)
    wait_for(lambda: state_leader(brokers, topic, partition) not in (leader, -1), 30,
             f"{topic}-{partition} led by another broker than {leader}")
    assert state_leader(brokers, topic, partition) == second
    links.heal()
    brokers.restart(leader)
    wait_all_in_sync(bootstrap, topic, 3)
    log = final_log(bootstrap, topic, partition)
    assert list(log.values()) == acknowledged
    check_replicas_agree(brokers.brokers.values(), topic, partition, log)


def produce_to_each(bootstrap: str, topic: str, values: list[bytes], partitions: int = 3) -> None:
    for p in range(partitions):
        assert produce_all(bootstrap, topic, values, partition=p) == [None] * len(values)


def check_recovered(bootstrap: str, topic: str, before: list[bytes], partitions: int = 3) -> None:
    """After a ZooKeeper outage: acks=all writes go on, every ISR is full, nothing was lost, and
    metadata changes work again (a new topic gets leaders and a full ISR)."""
    after = [f"after-{i}".encode() for i in range(len(before))]
    produce_to_each(bootstrap, topic, after, partitions)
    wait_all_in_sync(bootstrap, topic, partitions)
    for p in range(partitions):
        assert list(final_log(bootstrap, topic, p).values()) == before + after
    fresh = unique_topic("after-zk")
    create_topic(bootstrap, fresh, partitions=3, replication_factor=3)
    wait_all_in_sync(bootstrap, fresh, 3)


@pytest.mark.parametrize("down_seconds", [2, 8], ids=["within-session", "past-session"])
def test_cluster_recovers_after_zookeeper_restart(cluster3, down_seconds):
    bootstrap = cluster3.bootstrap_servers()
    topic = unique_topic("zk")
    create_topic(bootstrap, topic, partitions=3, replication_factor=3, **{"min.insync.replicas": "2"})
    partitions_of(bootstrap, topic)
    before = [f"before-{i}".encode() for i in range(100)]
    produce_to_each(bootstrap, topic, before)

    cluster3.zookeeper.restart(down_seconds)
    cluster3.wait_registered(ALL)
    check_recovered(bootstrap, topic, before)


def test_cluster_recovers_after_its_zookeeper_sessions_expire(broker_factory, zookeeper, request):
    """ZooKeeper keeps running but the brokers lose it for twice the session timeout: it expires
    their sessions (registrations and /controller go); back, they open new ones."""
    link = CuttableLink(zookeeper.port)
    brokers = cluster.Cluster(broker_factory, zookeeper, 3, cluster.chroot_for(request.node.name))
    for broker in brokers.brokers.values():
        broker.props["zookeeper.connect"] = link.hosts + brokers.chroot
    try:
        brokers.start_all()
        brokers.wait_registered(ALL)
        brokers.wait_controller()
        bootstrap = brokers.bootstrap_servers()
        topic = unique_topic("expiry")
        create_topic(bootstrap, topic, partitions=3, replication_factor=3,
                     **{"min.insync.replicas": "2"})
        partitions_of(bootstrap, topic)
        before = [f"before-{i}".encode() for i in range(100)]
        produce_to_each(bootstrap, topic, before)

        link.cut()
        brokers.wait_unregistered(ALL)  # seen by the test's own session, straight to ZooKeeper
        assert not brokers.zk().exists("/controller")
        link.heal()
        brokers.wait_registered(ALL)
        brokers.wait_controller()
        check_recovered(bootstrap, topic, before)
    finally:
        brokers.stop_all()
        link.close()


def test_isolated_broker_leaves_the_isr_and_rejoins(linked_cluster3):
    brokers, links, _ = linked_cluster3
    bootstrap = brokers.bootstrap_servers()
    topic = unique_topic("cut")
    create_topic(bootstrap, topic, partitions=3, replication_factor=3, **{"min.insync.replicas": "2"})
    layout = partitions_of(bootstrap, topic)
    cut = layout[0][0]
    others = sorted(set(ALL) - {cut})
    led_elsewhere = [p for p, (leader, _, _) in layout.items() if leader != cut]

    links.isolate(cut)
    # Its partition 0 has no follower that can copy: acks=all may not be acknowledged by it alone.
    errors = produce_all(bootstrap, topic, [b"while-cut"], partition=0,
                         **{"message.timeout.ms": 8000})
    assert errors[0] in ("NOT_ENOUGH_REPLICAS", "NOT_ENOUGH_REPLICAS_AFTER_APPEND",
                         "_MSG_TIMED_OUT"), errors
    wait_isr(bootstrap, topic, 0, [cut])
    for p in led_elsewhere:
        wait_isr(bootstrap, topic, p, others)
        assert produce_all(bootstrap, topic, [f"elsewhere-{p}".encode()], partition=p) == [None]

    links.heal()
    wait_all_in_sync(bootstrap, topic, 3)
    assert produce_all(bootstrap, topic, [b"healed"], partition=0) == [None]
    log = final_log(bootstrap, topic, 0)
    assert list(log.values())[-1] == b"healed"
    check_replicas_agree(brokers.brokers.values(), topic, 0, log)
    for p in led_elsewhere:
        log = final_log(bootstrap, topic, p)
        assert list(log.values()) == [f"elsewhere-{p}".encode()]
        check_replicas_agree(brokers.brokers.values(), topic, p, log)


def test_zkcli_lists_the_live_brokers(cluster3):
    ids_path = cluster3.chroot + "/brokers/ids"
    assert "[1, 2, 3]" in cluster3.zookeeper.cli("ls", ids_path)
    cluster3.stop(2)
    assert "[1, 3]" in cluster3.zookeeper.cli("ls", ids_path)
    cluster3.start(2)
    cluster3.wait_registered(ALL)
    assert "[1, 2, 3]" in cluster3.zookeeper.cli("ls", ids_path)
