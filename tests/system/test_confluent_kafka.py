"""confluent-kafka-python (librdkafka 2.0.2): admin, produce/consume round trips, offsets.

Consumers use assign() with explicit offsets (no consumer groups yet).
"""

from __future__ import annotations

import time

import pytest
from confluent_kafka import (
    OFFSET_BEGINNING,
    TIMESTAMP_CREATE_TIME,
    KafkaError,
    KafkaException,
    TopicPartition,
)
from confluent_kafka.admin import AdminClient, NewPartitions, NewTopic

import kafka_wire as w

from systest_helpers import (
    consume_partition,
    create_topic,
    make_consumer,
    make_producer,
    produce_sync,
    stored_codecs,
    unique_topic,
    wait_topic_metadata,
    CODEC_IDS,
)

CODECS = ["none", "gzip", "snappy", "lz4", "zstd"]
TIMEOUT = 15.0


def admin(b):
    return AdminClient({"bootstrap.servers": b.bootstrap, "socket.timeout.ms": 10000})


def topic_names(b) -> set[str]:
    return set(admin(b).list_topics(timeout=10).topics)


def create_error(b, new_topic: NewTopic, validate_only: bool = False) -> KafkaError | None:
    a = admin(b)  # keep the handle alive until the futures complete
    fs = a.create_topics([new_topic], operation_timeout=TIMEOUT, request_timeout=TIMEOUT, validate_only=validate_only)
    try:
        fs[new_topic.topic].result(timeout=TIMEOUT)
        return None
    except KafkaException as e:
        return e.args[0]


# ------------------------------------------------------------------------ admin


def test_create_topic_with_partitions(module_broker):
    t = unique_topic("adm")
    assert create_error(module_broker, NewTopic(t, num_partitions=4, replication_factor=1)) is None
    wait_topic_metadata(module_broker.bootstrap, t, 4)
    md = admin(module_broker).list_topics(topic=t, timeout=10)
    assert sorted(md.topics[t].partitions) == [0, 1, 2, 3]
    for p in md.topics[t].partitions.values():
        assert p.leader == 0 and p.replicas == [0] and p.isrs == [0], p
    assert (module_broker.partition_dir(t, 3)).is_dir()


def test_create_topic_validate_only_creates_nothing(module_broker):
    t = unique_topic("val")
    assert create_error(module_broker, NewTopic(t, num_partitions=2, replication_factor=1), validate_only=True) is None
    time.sleep(0.5)
    assert t not in topic_names(module_broker)
    assert not module_broker.partition_dir(t, 0).exists()


def test_create_topic_already_exists(module_broker):
    t = unique_topic("dup")
    assert create_error(module_broker, NewTopic(t, num_partitions=1, replication_factor=1)) is None
    err = create_error(module_broker, NewTopic(t, num_partitions=1, replication_factor=1))
    assert err is not None and err.code() == KafkaError.TOPIC_ALREADY_EXISTS, err


@pytest.mark.parametrize("name", ["bad/name", "bad name", "..", pytest.param("x" * 250, id="250-chars")])
def test_create_topic_invalid_name(module_broker, name):
    err = create_error(module_broker, NewTopic(name, num_partitions=1, replication_factor=1))
    assert err is not None and err.code() == KafkaError.TOPIC_EXCEPTION, err  # 17 INVALID_TOPIC_EXCEPTION
    assert name not in topic_names(module_broker)


def test_delete_topic(module_broker):
    t = unique_topic("del")
    create_topic(module_broker.bootstrap, t, 2)
    p = make_producer(module_broker.bootstrap)
    err, _ = produce_sync(p, t, b"v", partition=1)
    assert err is None, err
    a = admin(module_broker)
    fs = a.delete_topics([t], operation_timeout=TIMEOUT, request_timeout=TIMEOUT)
    fs[t].result(timeout=TIMEOUT)
    deadline = time.monotonic() + TIMEOUT
    while t in topic_names(module_broker) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert t not in topic_names(module_broker)
    # deleting it again reports UNKNOWN_TOPIC_OR_PART
    fs = a.delete_topics([t], operation_timeout=TIMEOUT, request_timeout=TIMEOUT)
    with pytest.raises(KafkaException) as ei:
        fs[t].result(timeout=TIMEOUT)
    assert ei.value.args[0].code() == KafkaError.UNKNOWN_TOPIC_OR_PART, ei.value


def test_create_partitions(module_broker):
    t = unique_topic("cp")
    create_topic(module_broker.bootstrap, t, 1)
    a = admin(module_broker)
    fs = a.create_partitions([NewPartitions(t, 3)], operation_timeout=TIMEOUT, request_timeout=TIMEOUT)
    fs[t].result(timeout=TIMEOUT)
    wait_topic_metadata(module_broker.bootstrap, t, 3)
    p = make_producer(module_broker.bootstrap, **{"topic.metadata.refresh.interval.ms": 1000})
    err, msg = produce_sync(p, t, b"to-new-partition", partition=2)
    assert err is None, err
    assert msg.partition() == 2 and msg.offset() == 0
    # shrinking is refused
    fs = a.create_partitions([NewPartitions(t, 2)], operation_timeout=TIMEOUT, request_timeout=TIMEOUT)
    with pytest.raises(KafkaException) as ei:
        fs[t].result(timeout=TIMEOUT)
    assert ei.value.args[0].code() == KafkaError.INVALID_PARTITIONS, ei.value


# ------------------------------------------------------------------------ produce / consume


def make_records(partition: int, n: int, base_ts: int):
    """Records covering keys, null key, null value, headers (incl. duplicate keys, null value)."""
    recs = []
    for i in range(n):
        key = None if i % 7 == 3 else f"key-{partition}-{i}".encode()
        value = None if i % 11 == 5 else (f"value-{partition}-{i}-".encode() + bytes(range(256)) * (i % 3))
        if i % 4 == 0:
            headers = None
        elif i % 4 == 1:
            headers = [("h", f"{i}".encode())]
        elif i % 4 == 2:
            headers = [("dup", b"a"), ("dup", b"b"), ("empty", b"")]
        else:
            headers = [("nullval", None), ("x", b"y")]
        recs.append(dict(key=key, value=value, headers=headers, timestamp=base_ts + i * 10))
    return recs


def produce_all(bootstrap: str, topic: str, by_partition: dict[int, list[dict]], **conf):
    p = make_producer(bootstrap, **conf)
    reports = []

    def cb(err, msg):
        reports.append((err, msg.partition(), msg.offset()))

    for part, recs in by_partition.items():
        for r in recs:
            kw = dict(r)
            if kw["headers"] is None:
                del kw["headers"]
            p.produce(topic, partition=part, on_delivery=cb, **kw)
            p.poll(0)
    left = p.flush(30)
    assert left == 0, f"{left} records undelivered"
    return reports


def check_consumed(msgs, recs, partition: int, start_offset: int = 0):
    assert len(msgs) == len(recs), f"partition {partition}: consumed {len(msgs)}, produced {len(recs)}"
    for i, (m, r) in enumerate(zip(msgs, recs)):
        assert m.partition() == partition
        assert m.offset() == start_offset + i, (m.offset(), i)
        assert m.key() == r["key"], (i, m.key(), r["key"])
        assert m.value() == r["value"], i
        got_h = m.headers() or None
        assert got_h == r["headers"], (i, got_h, r["headers"])
        assert m.timestamp() == (TIMESTAMP_CREATE_TIME, r["timestamp"]), (i, m.timestamp())


@pytest.mark.parametrize("codec", CODECS)
def test_roundtrip_per_codec(module_broker, codec):
    t = unique_topic(f"rt-{codec}")
    create_topic(module_broker.bootstrap, t, 3)
    base_ts = int(time.time() * 1000) - 60_000
    data = {p: make_records(p, 40 + 10 * p, base_ts) for p in range(3)}
    reports = produce_all(module_broker.bootstrap, t, data, **{"compression.type": codec, "acks": "all"})
    errs = [r for r in reports if r[0] is not None]
    assert not errs, errs[:5]
    for p in range(3):
        offs = sorted(o for (_, part, o) in reports if part == p)
        assert offs == list(range(len(data[p]))), f"partition {p} delivery offsets {offs[:10]}..."
        msgs = consume_partition(module_broker.bootstrap, t, p, expected=len(data[p]))
        check_consumed(msgs, data[p], p)
    # the client really compressed and the broker stored the batches as they arrived
    # (librdkafka silently falls back to no compression when it thinks the broker lacks a codec)
    codecs = set().union(*(stored_codecs(module_broker, t, p) for p in range(3)))
    assert CODEC_IDS[codec] in codecs, f"codecs on disk {codecs}, expected {codec}"


@pytest.mark.parametrize("acks", ["0", "1", "all"])
def test_roundtrip_per_acks(module_broker, acks):
    t = unique_topic(f"acks{acks}")
    create_topic(module_broker.bootstrap, t, 2)
    base_ts = int(time.time() * 1000)
    data = {p: make_records(p, 30, base_ts) for p in range(2)}
    reports = produce_all(module_broker.bootstrap, t, data, acks=acks)
    assert not [r for r in reports if r[0] is not None]
    for p in range(2):
        if acks == "0":
            # no acknowledgement, so no offsets either: check the count only
            deadline = time.monotonic() + TIMEOUT
            c = make_consumer(module_broker.bootstrap)
            try:
                while time.monotonic() < deadline:
                    lo, hi = c.get_watermark_offsets(TopicPartition(t, p), timeout=10, cached=False)
                    if hi >= len(data[p]):
                        break
                    time.sleep(0.2)
            finally:
                c.close()
            msgs = consume_partition(module_broker.bootstrap, t, p, expected=len(data[p]))
            assert len(msgs) == len(data[p])
        else:
            msgs = consume_partition(module_broker.bootstrap, t, p, expected=len(data[p]))
            check_consumed(msgs, data[p], p)


def test_seek_watermarks_and_offsets_for_times(module_broker):
    t = unique_topic("seek")
    create_topic(module_broker.bootstrap, t, 1)
    base_ts = int(time.time() * 1000) - 3_600_000
    n = 50
    p = make_producer(module_broker.bootstrap, acks="all", **{"linger.ms": 0})
    for i in range(n):
        # one record per request keeps several batches in the log
        err, msg = produce_sync(p, t, f"v{i}".encode(), key=f"k{i}".encode(), partition=0,
                                timestamp=base_ts + i * 1000)
        assert err is None and msg.offset() == i, (err, msg.offset())
    c = make_consumer(module_broker.bootstrap)
    try:
        lo, hi = c.get_watermark_offsets(TopicPartition(t, 0), timeout=10, cached=False)
        assert (lo, hi) == (0, n)
        # first offset with timestamp >= T
        queries = {base_ts - 5: 0, base_ts: 0, base_ts + 2500: 3, base_ts + 3000: 3,
                   base_ts + (n - 1) * 1000: n - 1, base_ts + n * 1000: -1}
        for ts, want in queries.items():
            res = c.offsets_for_times([TopicPartition(t, 0, ts)], timeout=10)
            assert res[0].error is None, res[0].error
            assert res[0].offset == want, (ts - base_ts, res[0].offset, want)
        # read a few, then seek back to the middle
        c.assign([TopicPartition(t, 0, OFFSET_BEGINNING)])
        got = []
        deadline = time.monotonic() + TIMEOUT
        while len(got) < 5 and time.monotonic() < deadline:
            m = c.poll(0.5)
            if m is not None and not m.error():
                got.append(m.offset())
        assert got[:5] == [0, 1, 2, 3, 4], got
        mid = n // 2
        c.seek(TopicPartition(t, 0, mid))
        after = []
        deadline = time.monotonic() + TIMEOUT
        while len(after) < n - mid and time.monotonic() < deadline:
            m = c.poll(0.5)
            if m is not None and not m.error():
                after.append(m)
        offs = [m.offset() for m in after]
        # records fetched before the seek may still be queued; everything after the seek
        # point must be mid, mid+1, ...
        assert mid in offs, offs
        tail = offs[offs.index(mid):]
        assert tail == list(range(mid, mid + len(tail))), offs
        first = after[offs.index(mid)]
        assert first.value() == f"v{mid}".encode() and first.key() == f"k{mid}".encode()
        assert first.timestamp() == (TIMESTAMP_CREATE_TIME, base_ts + mid * 1000)
    finally:
        c.close()


@pytest.mark.parametrize("codec", ["none", "gzip"])
def test_offsets_for_times_inside_a_batch(module_broker, codec):
    """ListOffsets by timestamp returns the first *record* with timestamp >= T, also when that
    record sits in the middle of a multi-record batch (Kafka searches inside the batch)."""
    t = unique_topic("oftb")
    create_topic(module_broker.bootstrap, t, 1)
    base_ts = int(time.time() * 1000) - 7_200_000
    p = make_producer(module_broker.bootstrap, acks="all",
                      **{"linger.ms": 200, "batch.num.messages": 10, "compression.type": codec})
    for i in range(30):
        p.produce(t, value=f"b{i}".encode(), partition=0, timestamp=base_ts + i * 10)
    assert p.flush(20) == 0
    batches = [b for log in sorted(module_broker.partition_dir(t).glob("*.log"))
               for b in w.scan_batches(log.read_bytes())]
    assert any(b.record_count > 1 for b in batches), "setup: expected multi-record batches"
    c = make_consumer(module_broker.bootstrap)
    try:
        wrong = []
        for i in range(30):
            res = c.offsets_for_times([TopicPartition(t, 0, base_ts + i * 10 - 5)], timeout=10)
            if res[0].offset != i:
                wrong.append((i, res[0].offset))
        assert not wrong, f"(expected, got) offsets: {wrong[:10]}; batch bases {[b.base_offset for b in batches]}"
    finally:
        c.close()


def test_assign_at_middle_offset(module_broker):
    t = unique_topic("mid")
    create_topic(module_broker.bootstrap, t, 1)
    p = make_producer(module_broker.bootstrap, acks="all")
    for i in range(20):
        p.produce(t, value=f"m{i}".encode(), partition=0)
    assert p.flush(20) == 0
    msgs = consume_partition(module_broker.bootstrap, t, 0, start=13, expected=7)
    assert [(m.offset(), m.value()) for m in msgs] == [(i, f"m{i}".encode()) for i in range(13, 20)]


def test_long_poll_fetch_receives_new_record(module_broker):
    t = unique_topic("lp")
    create_topic(module_broker.bootstrap, t, 1)
    p = make_producer(module_broker.bootstrap, acks="all")
    err, _ = produce_sync(p, t, b"before", partition=0)
    assert err is None
    c = make_consumer(module_broker.bootstrap, **{"fetch.wait.max.ms": 5000, "enable.partition.eof": False})
    try:
        lo, hi = c.get_watermark_offsets(TopicPartition(t, 0), timeout=10, cached=False)
        assert hi == 1
        c.assign([TopicPartition(t, 0, hi)])  # start at the end
        early = []
        deadline = time.monotonic() + 1.0
        while time.monotonic() < deadline:
            m = c.poll(0.2)
            if m is not None and not m.error():
                early.append(m)
        assert early == [], [m.value() for m in early]
        err, msg = produce_sync(p, t, b"after", partition=0)
        assert err is None and msg.offset() == 1
        got = None
        deadline = time.monotonic() + TIMEOUT
        while got is None and time.monotonic() < deadline:
            m = c.poll(0.5)
            if m is not None and not m.error():
                got = m
        assert got is not None, "record produced after the consumer parked never arrived"
        assert (got.offset(), got.value()) == (1, b"after")
    finally:
        c.close()


@pytest.mark.broker_config({"message.max.bytes": "2000"})
def test_message_larger_than_max_bytes_is_rejected(broker):
    t = unique_topic("big")
    create_topic(broker.bootstrap, t, 1)
    p = make_producer(broker.bootstrap, acks="all", **{"compression.type": "none", "message.send.max.retries": 0})
    err, msg = produce_sync(p, t, b"x" * 10000, partition=0)
    assert err is not None and err.code() == KafkaError.MSG_SIZE_TOO_LARGE, err
    err, msg = produce_sync(p, t, b"small", partition=0)
    assert err is None, err
    assert msg.offset() == 0, "part of the rejected batch was stored"
    msgs = consume_partition(broker.bootstrap, t, 0, expected=1)
    assert [m.value() for m in msgs] == [b"small"]
    assert b"x" * 100 not in broker.active_segment(t, 0).read_bytes()
    assert broker.alive()


@pytest.mark.parametrize("reset", ["earliest", "latest", "error"])
def test_fetch_out_of_range_offset(module_broker, reset):
    t = unique_topic("oor")
    create_topic(module_broker.bootstrap, t, 1)
    p = make_producer(module_broker.bootstrap, acks="all")
    for i in range(10):
        p.produce(t, value=f"o{i}".encode(), partition=0)
    assert p.flush(20) == 0
    # log_level 2: a broken Fetch error response makes librdkafka log a protocol error per fetch
    c = make_consumer(module_broker.bootstrap, **{"auto.offset.reset": reset, "enable.partition.eof": False,
                                                  "log_level": 2})
    try:
        c.assign([TopicPartition(t, 0, 1000)])
        got, errors = [], []
        deadline = time.monotonic() + TIMEOUT
        while time.monotonic() < deadline:
            m = c.poll(0.5)
            if m is None:
                if reset == "latest" and time.monotonic() > deadline - TIMEOUT + 3:
                    break
                continue
            if m.error():
                errors.append(m.error())
                if reset == "error":
                    break
                continue
            got.append(m.offset())
            if reset == "earliest" and len(got) == 10:
                break
        if reset == "earliest":
            assert got == list(range(10)), (got, errors)
        elif reset == "latest":
            assert got == [], got
            assert c.position([TopicPartition(t, 0)])[0].offset in (10, -1001)
        else:
            assert errors and errors[0].code() == KafkaError._AUTO_OFFSET_RESET, errors
            assert "out of range" in errors[0].str().lower() or "offset" in errors[0].str().lower()
    finally:
        c.close()
