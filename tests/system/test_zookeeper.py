"""A broker whose metadata lives in a real ZooKeeper (zookeeper.connect): its registration under
/brokers/ids as Kafka tools see it, topics stored in Kafka's znodes, the registration going away
with the broker, and the start-up errors (duplicate broker.id, unreachable or malformed
zookeeper.connect)."""

from __future__ import annotations

import json
import signal
import time

import pytest

from systest_helpers import (
    consume_partition,
    create_topic,
    free_port,
    make_producer,
    produce_sync,
    unique_topic,
    wait_for,
)

from cluster import SESSION_TIMEOUT_MS, zookeeper_overrides

CHROOT = "/gregor"


def zk_broker(broker_factory, zookeeper, name="broker", **overrides):
    return broker_factory({**zookeeper_overrides(zookeeper, CHROOT), **overrides}, name=name)


def test_broker_registers_as_kafka_does(broker_factory, zookeeper):
    broker = zk_broker(broker_factory, zookeeper)
    zk = zookeeper.client(CHROOT)
    try:
        assert zk.get_children("/brokers/ids") == ["0"]
        data, stat = zk.get("/brokers/ids/0")
        assert stat.ephemeralOwner != 0
        registration = json.loads(data)
        assert registration["version"] == 5
        assert registration["endpoints"] == [f"PLAINTEXT://127.0.0.1:{broker.port}"]
        assert registration["listener_security_protocol_map"] == {"PLAINTEXT": "PLAINTEXT"}
        assert (registration["host"], registration["port"]) == ("127.0.0.1", broker.port)
        assert registration["jmx_port"] == -1 and registration["rack"] is None
        assert registration["features"] == {} and registration["timestamp"].isdigit()
        for path in ("/brokers/topics", "/config/topics", "/config/changes", "/admin/delete_topics",
                     "/isr_change_notification", "/cluster/id"):
            assert zk.exists(path), path
        assert json.loads(zk.get("/cluster/id")[0])["id"]
        root = zookeeper.client()
        assert not root.exists("/brokers/ids"), "the chroot confines the broker"
        root.stop()
    finally:
        zk.stop()
    # What an operator types to see the live brokers.
    assert "[0]" in zookeeper.cli("ls", CHROOT + "/brokers/ids")


def test_topics_live_in_zookeeper_and_serve_clients(broker_factory, zookeeper):
    broker = zk_broker(broker_factory, zookeeper)
    topic = unique_topic("zk")
    create_topic(broker.bootstrap, topic, partitions=2, **{"retention.ms": "3600000"})
    producer = make_producer(broker.bootstrap)
    for i in range(20):
        err, _ = produce_sync(producer, topic, value=f"v{i}".encode(), partition=i % 2)
        assert err is None, err

    zk = zookeeper.client(CHROOT)
    try:
        assignment = json.loads(zk.get(f"/brokers/topics/{topic}")[0])
        assert assignment["partitions"] == {"0": [0], "1": [0]}
        assert json.loads(zk.get(f"/config/topics/{topic}")[0])["config"]["retention.ms"] == "3600000"
    finally:
        zk.stop()

    broker.restart()  # the topic comes back from ZooKeeper, its records from the log
    values = sorted(m.value() for p in (0, 1) for m in consume_partition(broker.bootstrap, topic, p, expected=10))
    assert values == sorted(f"v{i}".encode() for i in range(20))


def test_registration_goes_with_the_broker(broker_factory, zookeeper):
    broker = zk_broker(broker_factory, zookeeper)
    zk = zookeeper.client(CHROOT)
    try:
        assert zk.exists("/brokers/ids/0")
        broker.stop(signal.SIGTERM)  # closes its session: the node goes at once
        assert not zk.exists("/brokers/ids/0")

        broker.start()
        assert zk.exists("/brokers/ids/0")
        broker.kill9()  # nobody closes the session: it expires after the session timeout
        wait_for(lambda: not zk.exists("/brokers/ids/0"), SESSION_TIMEOUT_MS / 1000 * 5,
                 "the registration of the killed broker to expire")
        assert zk.get_children("/brokers/ids") == []
    finally:
        zk.stop()


def test_broker_restarted_after_kill9_waits_for_its_old_registration(broker_factory, zookeeper):
    broker = zk_broker(broker_factory, zookeeper)
    topic = unique_topic("crash")
    create_topic(broker.bootstrap, topic)
    err, _ = produce_sync(make_producer(broker.bootstrap), topic, value=b"before the crash")
    assert err is None, err
    zk = zookeeper.client(CHROOT)
    try:
        old_owner = zk.get("/brokers/ids/0")[1].ephemeralOwner
        broker.kill9()
        broker.start()  # waits for the dead session's registration to expire, then registers
        data, stat = zk.get("/brokers/ids/0")
        assert stat.ephemeralOwner != old_owner
        assert json.loads(data)["port"] == broker.port
    finally:
        zk.stop()
    assert [m.value() for m in consume_partition(broker.bootstrap, topic, expected=1)] == [b"before the crash"]


def test_zookeeper_outage_refuses_metadata_changes_not_records(broker_factory, zookeeper):
    from confluent_kafka import KafkaError, KafkaException
    from confluent_kafka.admin import AdminClient, NewTopic

    broker = zk_broker(broker_factory, zookeeper)
    topic = unique_topic("outage")
    create_topic(broker.bootstrap, topic)
    producer = make_producer(broker.bootstrap)
    admin = AdminClient({"bootstrap.servers": broker.bootstrap})

    zookeeper.stop()
    err, _ = produce_sync(producer, topic, value=b"while ZooKeeper is down")
    assert err is None, err  # records do not go through ZooKeeper
    refused = unique_topic("refused")
    with pytest.raises(KafkaException) as failure:
        admin.create_topics([NewTopic(refused, 1, 1)], operation_timeout=30)[refused].result(timeout=60)
    error = failure.value.args[0]
    assert error.code() == KafkaError.UNKNOWN  # UNKNOWN_SERVER_ERROR
    assert error.str() == "metadata store: CONNECTION_LOSS"

    zookeeper.start()  # same data: the broker's session carries on
    create_topic(broker.bootstrap, refused)
    zk = zookeeper.client(CHROOT)
    try:
        assert zk.exists(f"/brokers/topics/{refused}")
        assert zk.get_children("/brokers/ids") == ["0"]
    finally:
        zk.stop()
    assert [m.value() for m in consume_partition(broker.bootstrap, topic, expected=1)] == [b"while ZooKeeper is down"]


def test_admin_requests_waiting_on_a_stalled_zookeeper_leave_producers_unstalled(
        broker_factory, zookeeper):
    """CreateTopics waits on ZooKeeper from the broker's admin thread, not from the network
    thread it came in on: with a single network thread, a producer goes on being answered while
    ZooKeeper is frozen, and the topic is created once it thaws."""
    from confluent_kafka.admin import AdminClient, NewTopic

    # A session long enough that the freeze ends before the broker's client gives up on it.
    broker = zk_broker(broker_factory, zookeeper, **{"num.network.threads": "1",
                                                     "zookeeper.session.timeout.ms": "30000"})
    topic = unique_topic("steady")
    create_topic(broker.bootstrap, topic)
    producer = make_producer(broker.bootstrap, **{"linger.ms": 0})
    produce_sync(producer, topic, value=b"before")
    admin = AdminClient({"bootstrap.servers": broker.bootstrap})
    created = unique_topic("created-after-thaw")

    latencies = []
    zookeeper.pause()
    try:
        future = admin.create_topics([NewTopic(created, 1, 1)], request_timeout=60,
                                     operation_timeout=60)[created]
        # For 3 s, each record waits for its answer before the next is sent.
        deadline = time.monotonic() + 3.0
        while time.monotonic() < deadline and len(latencies) < 30000:
            start = time.monotonic()
            produce_sync(producer, topic, value=b"while ZooKeeper is frozen")
            latencies.append(time.monotonic() - start)
        still_waiting = not future.done()
    finally:
        zookeeper.resume()
    assert still_waiting, "CreateTopics was answered while ZooKeeper was frozen"
    # Each record is answered in far less than the freeze lasted.
    assert max(latencies) < 2.0, f"slowest produce {max(latencies):.2f}s"
    future.result(timeout=60)
    wait_for(lambda: created in admin.list_topics(timeout=10).topics, timeout=30,
             what=f"topic {created}")


def test_second_broker_with_the_same_id_is_refused(broker_factory, zookeeper):
    first = zk_broker(broker_factory, zookeeper)
    # It gives the registration its session timeout to expire (it could be its own, before a
    # crash), then gives up: the first broker is alive.
    second = broker_factory(zookeeper_overrides(zookeeper, CHROOT, session_timeout_ms=1000), start=False,
                            name="second")
    second.launch()
    assert second.proc.wait(timeout=60) == 1
    assert second.stderr_text().strip().splitlines()[-1] == (
        "gregor-server: broker.id 0 is already registered at /brokers/ids/0: another broker with "
        "this id is running (its registration did not expire within zookeeper.session.timeout.ms=1000)")
    assert first.alive()
    zk = zookeeper.client(CHROOT)
    try:
        registration = json.loads(zk.get("/brokers/ids/0")[0])
        assert registration["port"] == first.port, "the first broker keeps its registration"
    finally:
        zk.stop()


@pytest.mark.parametrize(
    "connect, message",
    [
        ("127.0.0.1:{port}", "cannot connect to ZooKeeper (zookeeper.connect=127.0.0.1:{port}): no ZooKeeper "
                             "server of 127.0.0.1:{port} answered within 1000 ms"),
        ("127.0.0.1:{port}/bad//chroot", "invalid value '127.0.0.1:{port}/bad//chroot' for zookeeper.connect: "
                                         "invalid chroot path '/bad//chroot'"),
    ],
)
def test_unusable_zookeeper_connect_stops_start_up(broker_factory, connect, message):
    port = free_port()  # nothing listens there
    broker = broker_factory(
        {"zookeeper.connect": connect.format(port=port), "zookeeper.connection.timeout.ms": "1000"},
        start=False)
    broker.launch()
    assert broker.proc.wait(timeout=60) == 1
    assert broker.stderr_text().strip().splitlines()[-1] == "gregor-server: " + message.format(port=port)
