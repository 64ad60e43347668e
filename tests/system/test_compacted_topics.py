"""Compacted topics seen by clients: a record without a key is refused with INVALID_RECORD and
nothing of its batch is stored, while the keyed records around it are; the cleaner resumes from
its cleaner-offset-checkpoint after a restart; __consumer_offsets is compacted and the committed
offsets survive it and a restart."""

from __future__ import annotations

import re
import time

import pytest
from confluent_kafka import TopicPartition

import kafka_wire
from kafka_wire import Record, build_record_batch
from systest_helpers import (consume_partition, create_topic, error_name, make_consumer,
                             make_producer, unique_topic, wait_for)

ERR_INVALID_RECORD = 87
FAST_CLEANER = {"log.cleaner.backoff.ms": "100", "log.flush.scheduler.interval.ms": "100"}


def checkpointed(broker, topic):
    """The offset cleaner-offset-checkpoint holds for `topic` partition 0 (None if absent)."""
    path = broker.log_dir / "cleaner-offset-checkpoint"
    if not path.exists():
        return None
    lines = path.read_text().splitlines()
    assert lines[0] == "0" and int(lines[1]) == len(lines) - 2, lines
    for line in lines[2:]:
        name, partition, offset = line.split(" ")
        if name == topic and partition == "0":
            return int(offset)
    return None


def stored_records(broker, topic, partition=0):
    """Records in the partition's segment files, counted from the batch headers. The cleaner may
    swap segments while they are listed and read: a segment gone meanwhile means a new count."""
    for _ in range(20):
        try:
            return sum(sum(b.record_count for b in kafka_wire.scan_batches(log.read_bytes()))
                       for log in broker.partition_dir(topic, partition).glob("*.log"))
        except FileNotFoundError:
            time.sleep(0.05)
    raise AssertionError(f"segments of {topic}-{partition} kept changing while counted")


def deliver(bootstrap, topic, records, **conf):
    """Produces (key, value) pairs to partition 0; returns one delivery error name (or None)
    each."""
    producer = make_producer(bootstrap, acks="all", **conf)
    errors = [None] * len(records)

    def report(index):
        return lambda err, msg: errors.__setitem__(index, error_name(err))

    for index, (key, value) in enumerate(records):
        producer.produce(topic, key=key, value=value, partition=0, on_delivery=report(index))
        if conf.get("linger.ms") == 0:
            producer.flush(20)  # one record per request
    assert producer.flush(20) == 0
    return errors


@pytest.mark.parametrize("policy", ["compact", "compact,delete"])
def test_keyless_record_is_refused_and_keyed_neighbours_arrive(module_broker, policy):
    topic = unique_topic("keyless")
    create_topic(module_broker.bootstrap, topic, 1, **{"cleanup.policy": policy})
    errors = deliver(module_broker.bootstrap, topic,
                     [(b"k1", b"v1"), (None, b"no key"), (b"k2", b"v2"), (None, None)],
                     **{"linger.ms": 0})
    assert errors == [None, "INVALID_RECORD", None, "INVALID_RECORD"], errors
    msgs = consume_partition(module_broker.bootstrap, topic, 0, expected=2)
    assert [(m.offset(), m.key(), m.value()) for m in msgs] == [(0, b"k1", b"v1"), (1, b"k2", b"v2")]


@pytest.mark.parametrize("codec", ["none", "gzip", "snappy", "lz4", "zstd"])
def test_one_keyless_record_refuses_its_whole_batch(module_broker, codec):
    topic = unique_topic("keylessbatch")
    create_topic(module_broker.bootstrap, topic, 1, **{"cleanup.policy": "compact"})
    # One batch of three records, compressed with `codec`, the middle one without a key.
    batch = build_record_batch([Record(b"a", b"1"), Record(None, b"2"), Record(b"b", b"3")],
                               codec=codec)
    with module_broker.conn() as conn:
        assert kafka_wire.produce(conn, topic, 0, batch, version=8).error_code == ERR_INVALID_RECORD
    assert deliver(module_broker.bootstrap, topic, [(b"c", b"4")], **{"linger.ms": 0}) == [None]
    msgs = consume_partition(module_broker.bootstrap, topic, 0, expected=1)
    assert [(m.offset(), m.key()) for m in msgs] == [(0, b"c")]


def test_refusal_names_the_reason_and_every_keyless_record(module_broker):
    topic = unique_topic("keylesswire")
    create_topic(module_broker.bootstrap, topic, 1, **{"cleanup.policy": "compact"})
    batch = build_record_batch([Record(b"k", b"v"), Record(None, b"x"), Record(None, None)])
    with module_broker.conn() as conn:
        result = kafka_wire.produce(conn, topic, 0, batch, version=8)
        assert result.error_code == ERR_INVALID_RECORD
        assert "compacted" in result.error_message and "key" in result.error_message
        assert [index for index, _ in result.record_errors] == [1, 2]
        assert all(message == result.error_message for _, message in result.record_errors)
        # A keyed batch right after it is appended at offset 0: nothing of the refused one
        # took an offset.
        ok = kafka_wire.produce(conn, topic, 0, build_record_batch([Record(b"k", b"w")]), version=8)
        assert (ok.error_code, ok.base_offset, ok.record_errors, ok.error_message) == (0, 0, [], None)
        # A batch claiming gzip whose records are not a gzip stream (CRC correct): the records
        # cannot be checked for keys, so it is refused as corrupt, and nothing is appended.
        bogus = build_record_batch([Record(b"k", b"v")], attributes=1)
        bad = kafka_wire.produce(conn, topic, 0, bogus, version=8)
        assert bad.error_code == kafka_wire.ERR_CORRUPT_MESSAGE
        ok = kafka_wire.produce(conn, topic, 0, build_record_batch([Record(b"k", b"x")]), version=8)
        assert (ok.error_code, ok.base_offset) == (0, 1)


def test_keyless_records_are_fine_on_a_delete_topic(module_broker):
    topic = unique_topic("keylessdelete")
    create_topic(module_broker.bootstrap, topic, 1, **{"cleanup.policy": "delete"})
    assert deliver(module_broker.bootstrap, topic, [(None, b"x")], **{"linger.ms": 0}) == [None]


@pytest.mark.broker_config(FAST_CLEANER)
def test_cleaner_resumes_from_its_checkpoint_after_a_restart(broker):
    topic = unique_topic("cleanckpt")
    create_topic(broker.bootstrap, topic, 1, **{
        "cleanup.policy": "compact", "segment.bytes": "1024", "min.cleanable.dirty.ratio": "0.01"})
    keys = [b"k%d" % i for i in range(10)]
    for round_ in range(4):
        assert deliver(broker.bootstrap, topic, [(k, b"%s=%d" % (k, round_)) for k in keys],
                       **{"linger.ms": 0}) == [None] * len(keys)
    wait_for(lambda: (checkpointed(broker, topic) or 0) > 0, timeout=30, what="a cleaner checkpoint")
    broker.stop()
    resumed_at = checkpointed(broker, topic)
    broker.start()
    # More writes roll the active segment; the next pass starts at the checkpointed offset, not
    # at the log start as it would without the checkpoint.
    passes = re.compile(re.escape(topic) + r"-0: cleaned offsets \[(\d+), (\d+)\)")
    filler = 0

    def cleaned_again():
        nonlocal filler
        assert deliver(broker.bootstrap, topic, [(b"filler", b"f" * 300 + b"%d" % filler)],
                       **{"linger.ms": 0}) == [None]
        filler += 1
        return passes.search(broker.stderr_text(current_only=True)) is not None

    wait_for(cleaned_again, timeout=30, what="a cleaning pass after the restart")
    first = passes.search(broker.stderr_text(current_only=True))
    assert int(first.group(1)) == resumed_at > 0
    latest = {m.key(): m.value() for m in consume_partition(broker.bootstrap, topic, 0)}
    assert all(latest[k] == b"%s=3" % k for k in keys)


@pytest.mark.broker_config({**FAST_CLEANER, "offsets.topic.num.partitions": "1",
                            "offsets.topic.segment.bytes": "2048"})
def test_consumer_offsets_is_compacted_and_commits_survive_a_restart(broker):
    topic = unique_topic("commits")
    create_topic(broker.bootstrap, topic, 2)
    group = unique_topic("group")
    commits = 150
    consumer = make_consumer(broker.bootstrap, **{"group.id": group})
    try:
        for n in range(1, commits + 1):
            consumer.commit(offsets=[TopicPartition(topic, 0, n), TopicPartition(topic, 1, 10 * n)],
                            asynchronous=False)
    finally:
        consumer.close()
    # The log rolled (with the default 100 MiB segments it would not have).
    assert broker.active_segment("__consumer_offsets").name != "00000000000000000000.log"
    # Two keys (one per partition) live on: the cleaner leaves the latest commit of each, plus
    # whatever the active segment holds.
    wait_for(lambda: stored_records(broker, "__consumer_offsets") < 40, timeout=60,
             what="__consumer_offsets to be compacted")
    assert stored_records(broker, "__consumer_offsets") >= 2
    broker.restart()
    consumer = make_consumer(broker.bootstrap, **{"group.id": group})
    try:
        committed = consumer.committed([TopicPartition(topic, 0), TopicPartition(topic, 1)],
                                       timeout=15)
    finally:
        consumer.close()
    assert [(tp.partition, tp.offset, error_name(tp.error)) for tp in committed] == [
        (0, commits, None), (1, 10 * commits, None)]


def test_a_topic_altered_to_compact_starts_refusing_keyless_records(module_broker):
    from confluent_kafka.admin import AdminClient, ConfigResource

    topic = unique_topic("altered")
    create_topic(module_broker.bootstrap, topic, 1)
    assert deliver(module_broker.bootstrap, topic, [(None, b"before")], **{"linger.ms": 0}) == [None]
    admin = AdminClient({"bootstrap.servers": module_broker.bootstrap})
    resource = ConfigResource("topic", topic, set_config={"cleanup.policy": "compact"})
    admin.alter_configs([resource])[resource].result(timeout=15)
    errors = deliver(module_broker.bootstrap, topic, [(None, b"after"), (b"k", b"keyed")],
                     **{"linger.ms": 0})
    assert errors == ["INVALID_RECORD", None], errors
    msgs = consume_partition(module_broker.bootstrap, topic, 0, expected=2)
    assert [(m.offset(), m.key(), m.value()) for m in msgs] == [(0, None, b"before"), (1, b"k", b"keyed")]


@pytest.mark.broker_config(FAST_CLEANER)
def test_tombstones_of_a_topic_no_longer_written_expire(broker):
    topic = unique_topic("quiet")
    create_topic(broker.bootstrap, topic, 1, **{
        "cleanup.policy": "compact", "segment.bytes": "1024", "delete.retention.ms": "1500",
        "min.cleanable.dirty.ratio": "0.01"})
    records = [(b"a", b"1"), (b"b", b"2"), (b"a", None), (b"last", b"x" * 1100)]
    assert deliver(broker.bootstrap, topic, records, **{"linger.ms": 0}) == [None] * 4
    # No more writes: the first pass keeps the tombstone (and gives it a horizon), a later one
    # removes it once the horizon has passed.
    def tombstone_gone():
        msgs = consume_partition(broker.bootstrap, topic, 0)
        return [(m.offset(), m.key()) for m in msgs] == [(1, b"b"), (3, b"last")]

    wait_for(tombstone_gone, timeout=30, what="the tombstone to expire")
