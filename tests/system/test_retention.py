"""Retention and compaction seen by clients: retention.ms and retention.bytes remove whole old
segments (never the newest), consumers below the log start recover with auto.offset.reset,
compacted topics keep the latest value per key and lose tombstones once their delete horizon
(delete.retention.ms after the cleaner first kept them) has passed, a kill -9 during compaction
(segment rewrites and merges) leaves a consistent log, and bad configs get INVALID_CONFIG."""

from __future__ import annotations

import random
import time

import pytest
from confluent_kafka import KafkaException
from confluent_kafka.admin import AdminClient, NewTopic

from systest_helpers import consume_partition, create_topic, make_producer, unique_topic, wait_for

FAST_RETENTION = {"log.retention.check.interval.ms": "200", "log.flush.scheduler.interval.ms": "100"}
FAST_CLEANER = {"log.cleaner.backoff.ms": "100", "log.flush.scheduler.interval.ms": "100"}


def produce(bootstrap, topic, records, timestamp=None):
    """records: (key, value) pairs, produced in order to partition 0 with acks=all."""
    p = make_producer(bootstrap, acks="all", **{"linger.ms": 0, "batch.num.messages": 1})
    errs = []
    for key, value in records:
        kw = {"timestamp": timestamp} if timestamp is not None else {}
        p.produce(topic, key=key, value=value, partition=0,
                  on_delivery=lambda e, m: errs.append(e) if e else None, **kw)
        p.poll(0)
    assert p.flush(30) == 0
    assert not errs, errs[:3]


def segments(broker, topic):
    return sorted(broker.partition_dir(topic).glob("*.log"))


@pytest.mark.broker_config(FAST_RETENTION)
def test_retention_ms_removes_old_segments_and_keeps_the_newest(broker):
    topic = unique_topic("rtime")
    create_topic(broker.bootstrap, topic, 1, **{"segment.bytes": "2048", "retention.ms": "600000"})
    hour_ago = int(time.time() * 1000) - 3600_000
    produce(broker.bootstrap, topic, [(b"k", b"old" * 100) for _ in range(40)], timestamp=hour_ago)
    produce(broker.bootstrap, topic, [(b"k", b"new%d" % i) for i in range(5)])
    wait_for(lambda: len(segments(broker, topic)) <= 2, what="old segments to be deleted")
    assert segments(broker, topic)[0].name != "00000000000000000000.log"
    # A consumer positioned below the log start gets OFFSET_OUT_OF_RANGE and, with
    # auto.offset.reset=earliest, resumes at the new log start.
    msgs = consume_partition(broker.bootstrap, topic, 0, start=0)
    assert msgs and msgs[0].offset() > 0
    assert [m.value() for m in msgs][-5:] == [b"new%d" % i for i in range(5)]
    assert all(m.value().startswith(b"new") or m.offset() >= msgs[0].offset() for m in msgs)
    # The log start survives a restart (checkpointed and re-derived from the segments).
    first = msgs[0].offset()
    broker.restart()
    assert consume_partition(broker.bootstrap, topic, 0)[0].offset() == first


@pytest.mark.broker_config(FAST_RETENTION)
def test_retention_bytes_caps_the_size(broker):
    topic = unique_topic("rbytes")
    create_topic(broker.bootstrap, topic, 1, **{"segment.bytes": "2048", "retention.bytes": "4096"})
    produce(broker.bootstrap, topic, [(None, b"%04d" % i + b"x" * 300) for i in range(60)])

    def size():
        return sum(p.stat().st_size for p in segments(broker, topic))

    wait_for(lambda: size() <= 4096 + 2048, what="the log to shrink under retention.bytes")
    msgs = consume_partition(broker.bootstrap, topic, 0)
    assert msgs[-1].value().startswith(b"0059") and msgs[-1].offset() == 59
    assert len(msgs) < 60


def latest_per_key(msgs):
    latest = {}
    for m in msgs:
        latest[m.key()] = m.value()
    return latest


@pytest.mark.broker_config(FAST_CLEANER)
def test_compacted_topic_keeps_latest_values_and_drops_tombstones(broker):
    topic = unique_topic("compact")
    create_topic(broker.bootstrap, topic, 1, **{
        "cleanup.policy": "compact", "segment.bytes": "1024", "delete.retention.ms": "1500",
        "min.cleanable.dirty.ratio": "0.01"})
    keys = [b"k%d" % i for i in range(10)]
    for r in range(5):
        produce(broker.bootstrap, topic, [(k, b"%s=%d" % (k, r)) for k in keys])
    produce(broker.bootstrap, topic, [(b"k0", None), (b"k1", None)])
    expected = {k: b"%s=4" % k for k in keys[2:]}
    filler = 0

    def compacted():
        nonlocal filler
        # Each round writes a little more so that the log is dirty again and rolls its active
        # segment (the one holding the tombstones at first).
        produce(broker.bootstrap, topic, [(b"filler", b"f" * 200 + b"%d" % filler)])
        filler += 1
        msgs = consume_partition(broker.bootstrap, topic, 0)
        data = [m for m in msgs if m.key() != b"filler"]
        offsets = [m.offset() for m in msgs]
        assert offsets == sorted(set(offsets))
        return {m.key(): m.value() for m in data} == expected and len(data) == len(expected)

    wait_for(compacted, timeout=40, what="compaction and tombstone removal")
    # Offsets were kept: the latest k9 value is still at its original offset.
    msgs = consume_partition(broker.bootstrap, topic, 0)
    k9 = [m for m in msgs if m.key() == b"k9"]
    assert [m.offset() for m in k9] == [49]


@pytest.mark.broker_config(FAST_CLEANER)
def test_kill9_during_compaction_leaves_a_consistent_log(broker):
    topic = unique_topic("ckill")
    create_topic(broker.bootstrap, topic, 1, **{
        "cleanup.policy": "compact", "segment.bytes": "4096", "min.cleanable.dirty.ratio": "0.01"})
    rng = random.Random(7)
    last = {}
    written = 0
    for round_ in range(5):
        batch = []
        for _ in range(600):
            key = b"key%03d" % rng.randrange(150)
            value = b"%s-%d-" % (key, written) + b"p" * 60
            batch.append((key, value))
            last[key] = value
            written += 1
        produce(broker.bootstrap, topic, batch)
        time.sleep(rng.uniform(0.0, 0.4))  # let the cleaner get somewhere, then crash it
        broker.kill9()
        broker.start()
        msgs = consume_partition(broker.bootstrap, topic, 0, timeout=30)
        offsets = [m.offset() for m in msgs]
        assert offsets == sorted(set(offsets)), f"round {round_}: offsets not increasing"
        assert offsets[-1] == written - 1
        assert latest_per_key(msgs) == last, f"round {round_}: a latest value was lost"
    # The cleaned segments are merged (the kills above hit merges as well): 3000 records of
    # ~100 bytes filled ~75 segments of 4 KiB, ~25 KB once cleaned. Merged greedily, two
    # neighbouring segments never fit 4 KiB together, so there are at most 2 * size / 4 KiB + 1
    # of them (+ the active one, + one of slack for the filler). A pass merges the segments
    # cleaned by earlier ones, so each round writes a large record to roll the log and make it
    # dirty again.
    def merged():
        last[b"filler"] = b"f" * 3000 + b"%d" % len(segments(broker, topic))
        produce(broker.bootstrap, topic, [(b"filler", last[b"filler"])])
        files = segments(broker, topic)
        size = sum(f.stat().st_size for f in files[:-1])
        return len(files) <= 2 * size / 4096 + 3

    wait_for(merged, timeout=40, what="cleaned segments to be merged")
    end = consume_partition(broker.bootstrap, topic, 0)[-1].offset()
    broker.kill9()
    broker.start()
    msgs = consume_partition(broker.bootstrap, topic, 0, timeout=30)
    assert latest_per_key(msgs) == last and msgs[-1].offset() == end


@pytest.mark.parametrize("key,value", [
    ("retention.ms", "-5"),
    ("retention.bytes", "-2"),
    ("cleanup.policy", "shred"),
    ("min.cleanable.dirty.ratio", "1.5"),
    ("min.cleanable.dirty.ratio", "-0.1"),
    ("delete.retention.ms", "-1"),
    ("min.compaction.lag.ms", "soon"),
    ("segment.jitter.ms", "-1"),
])
def test_bad_retention_configs_are_rejected_naming_the_key(module_broker, key, value):
    admin = AdminClient({"bootstrap.servers": module_broker.bootstrap})
    topic = unique_topic("badcfg")
    fs = admin.create_topics([NewTopic(topic, num_partitions=1, replication_factor=1,
                                       config={key: value})], request_timeout=15)
    with pytest.raises(KafkaException) as info:
        fs[topic].result(timeout=15)
    error = info.value.args[0]
    assert error.name() == "INVALID_CONFIG", error
    assert key in error.str(), error
