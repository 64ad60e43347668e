"""Behaviour a Kafka user relies on beyond single round trips: segment rolling and reading
across segments, restarts, topic configs, LogAppendTime, fetch size limits, request
pipelining order, concurrent producers, auto-create off."""

from __future__ import annotations

import signal
import struct
import threading
import time

import pytest
from confluent_kafka import TIMESTAMP_LOG_APPEND_TIME, KafkaError, TopicPartition
from confluent_kafka.admin import AdminClient

import kafka_wire as w
from systest_helpers import (
    consume_partition,
    create_topic,
    make_consumer,
    make_producer,
    produce_sync,
    unique_topic,
    wait_topic_metadata,
)


def produce_values(bootstrap, topic, values, partition=0, **conf):
    p = make_producer(bootstrap, acks="all", **conf)
    errs = []
    for v in values:
        p.produce(topic, value=v, partition=partition, on_delivery=lambda e, m: errs.append(e) if e else None)
        p.poll(0)
    assert p.flush(30) == 0
    assert not errs, errs[:3]


@pytest.mark.broker_config({"log.segment.bytes": "4096", "log.index.interval.bytes": "512"})
def test_segments_roll_and_reads_span_them(broker):
    topic = unique_topic("seg")
    create_topic(broker.bootstrap, topic)
    values = [f"{i:06d}".encode() + b"s" * 200 for i in range(300)]
    produce_values(broker.bootstrap, topic, values, **{"linger.ms": 0, "batch.num.messages": 5})
    logs = sorted(broker.partition_dir(topic).glob("*.log"))
    assert len(logs) > 5, f"only {len(logs)} segment(s) with log.segment.bytes=4096"
    # segment names are the 20-digit base offset of their first batch
    for log in logs:
        batches = w.scan_batches(log.read_bytes())
        assert batches and int(log.stem) == batches[0].base_offset, log.name
        assert len(log.stem) == 20
        assert log.with_suffix(".index").exists() and log.with_suffix(".timeindex").exists()
    msgs = consume_partition(broker.bootstrap, topic, 0, expected=300)
    assert [m.value() for m in msgs] == values
    # start in the middle of a later segment
    mid = int(logs[3].stem) + 1
    msgs = consume_partition(broker.bootstrap, topic, 0, start=mid, expected=300 - mid)
    assert [m.offset() for m in msgs] == list(range(mid, 300))
    # and everything survives a kill -9 / restart with many segments
    broker.kill9()
    broker.start()
    msgs = consume_partition(broker.bootstrap, topic, 0, start=mid, expected=300 - mid)
    assert [m.value() for m in msgs] == values[mid:]
    p = make_producer(broker.bootstrap, acks="all")
    err, msg = produce_sync(p, topic, b"next", partition=0)
    assert err is None and msg.offset() == 300


def test_topic_level_segment_bytes(broker):
    topic = unique_topic("tseg")
    create_topic(broker.bootstrap, topic, 1, **{"segment.bytes": "2048"})
    produce_values(broker.bootstrap, topic, [b"v" * 300 for _ in range(40)], **{"linger.ms": 0,
                                                                                 "batch.num.messages": 2})
    assert len(list(broker.partition_dir(topic).glob("*.log"))) > 3
    assert len(consume_partition(broker.bootstrap, topic, 0, expected=40)) == 40


def test_topics_and_partitions_survive_restart(broker):
    t1, t2 = unique_topic("keep"), unique_topic("keep")
    create_topic(broker.bootstrap, t1, 3)
    create_topic(broker.bootstrap, t2, 1)
    produce_values(broker.bootstrap, t1, [b"p2"], partition=2)
    a = AdminClient({"bootstrap.servers": broker.bootstrap})
    fs = a.delete_topics([t2], operation_timeout=15, request_timeout=15)
    fs[t2].result(timeout=15)
    assert broker.stop(signal.SIGTERM) == 0
    broker.start()
    wait_topic_metadata(broker.bootstrap, t1, 3)
    md = AdminClient({"bootstrap.servers": broker.bootstrap}).list_topics(timeout=10)
    assert t2 not in md.topics, "deleted topic came back after restart"
    assert not broker.partition_dir(t2).exists()
    msgs = consume_partition(broker.bootstrap, t1, 2, expected=1)
    assert msgs[0].value() == b"p2"


def test_recreate_deleted_topic_starts_empty(broker):
    t = unique_topic("again")
    create_topic(broker.bootstrap, t, 1)
    produce_values(broker.bootstrap, t, [b"old"] * 5)
    a = AdminClient({"bootstrap.servers": broker.bootstrap})
    a.delete_topics([t], operation_timeout=15, request_timeout=15)[t].result(timeout=15)
    deadline = time.monotonic() + 15
    while t in a.list_topics(timeout=10).topics and time.monotonic() < deadline:
        time.sleep(0.2)
    create_topic(broker.bootstrap, t, 2)
    p = make_producer(broker.bootstrap, acks="all")
    err, msg = produce_sync(p, t, b"new", partition=0)
    assert err is None and msg.offset() == 0, (err, msg.offset())
    msgs = consume_partition(broker.bootstrap, t, 0, expected=1)
    assert [m.value() for m in msgs] == [b"new"]


@pytest.mark.broker_config({"log.message.timestamp.type": "LogAppendTime"})
def test_log_append_time(broker):
    t = unique_topic("lat")
    create_topic(broker.bootstrap, t)
    before = int(time.time() * 1000)
    p = make_producer(broker.bootstrap, acks="all")
    err, msg = produce_sync(p, t, b"x", partition=0, timestamp=1_000_000)  # ancient create time
    after = int(time.time() * 1000)
    assert err is None
    msgs = consume_partition(broker.bootstrap, t, 0, expected=1)
    ts_type, ts = msgs[0].timestamp()
    assert ts_type == TIMESTAMP_LOG_APPEND_TIME, msgs[0].timestamp()
    assert before - 5000 <= ts <= after + 5000, (before, ts, after)


def test_topic_config_log_append_time(broker):
    t = unique_topic("tlat")
    create_topic(broker.bootstrap, t, 1, **{"message.timestamp.type": "LogAppendTime"})
    p = make_producer(broker.bootstrap, acks="all")
    err, _ = produce_sync(p, t, b"x", partition=0, timestamp=1_000_000)
    assert err is None
    msgs = consume_partition(broker.bootstrap, t, 0, expected=1)
    assert msgs[0].timestamp()[0] == TIMESTAMP_LOG_APPEND_TIME
    assert msgs[0].timestamp()[1] > 1_600_000_000_000


@pytest.mark.broker_config({"auto.create.topics.enable": "false"})
def test_auto_create_disabled(broker):
    t = unique_topic("nocreate")
    p = make_producer(broker.bootstrap, **{"message.timeout.ms": 3000})
    err, _ = produce_sync(p, t, b"x", partition=0, timeout=15)
    assert err is not None and err.code() in (KafkaError.UNKNOWN_TOPIC_OR_PART, KafkaError._MSG_TIMED_OUT,
                                              KafkaError._UNKNOWN_TOPIC), err
    md = AdminClient({"bootstrap.servers": broker.bootstrap}).list_topics(timeout=10)
    assert t not in md.topics
    assert not broker.partition_dir(t).exists()


def test_fetch_returns_batch_larger_than_max_partition_fetch_bytes(broker):
    # KIP-74: the first batch is returned even when it exceeds the fetch size limits
    t = unique_topic("bigfetch")
    create_topic(broker.bootstrap, t)
    big = bytes(range(256)) * 2000  # 512000 bytes
    p = make_producer(broker.bootstrap, acks="all", **{"compression.type": "none"})
    err, _ = produce_sync(p, t, big, partition=0)
    assert err is None, err
    err, _ = produce_sync(p, t, b"small", partition=0)
    assert err is None, err
    c = make_consumer(broker.bootstrap, **{"max.partition.fetch.bytes": 1024, "fetch.max.bytes": 1024,
                                           "message.max.bytes": 1000})
    try:
        msgs = consume_partition(broker.bootstrap, t, 0, expected=2, consumer=c)
    finally:
        c.close()
    assert msgs[0].value() == big and msgs[1].value() == b"small"


def test_large_record_near_default_limit(broker):
    t = unique_topic("large")
    create_topic(broker.bootstrap, t)
    # a ~1,040,100-byte batch against the broker's default message.max.bytes of 1048588
    value = bytes((i * 7) % 251 for i in range(1_040_000))
    p = make_producer(broker.bootstrap, acks="all", **{"compression.type": "none", "message.max.bytes": 1048576})
    err, msg = produce_sync(p, t, value, partition=0)
    assert err is None, err
    msgs = consume_partition(broker.bootstrap, t, 0, expected=1)
    assert msgs[0].value() == value


def test_concurrent_producers_same_partition(broker):
    t = unique_topic("conc")
    create_topic(broker.bootstrap, t)
    n_threads, per_thread = 4, 500
    failures = []

    def run(tid):
        try:
            produce_values(broker.bootstrap, t, [f"{tid}:{i}".encode() for i in range(per_thread)])
        except Exception as e:  # noqa: BLE001 - reported below
            failures.append(repr(e))

    threads = [threading.Thread(target=run, args=(k,)) for k in range(n_threads)]
    for th in threads:
        th.start()
    for th in threads:
        th.join(timeout=60)
    assert not failures, failures
    msgs = consume_partition(broker.bootstrap, t, 0, expected=n_threads * per_thread, timeout=60)
    assert [m.offset() for m in msgs] == list(range(n_threads * per_thread))
    by_thread: dict[str, list[int]] = {}
    for m in msgs:
        tid, i = m.value().decode().split(":")
        by_thread.setdefault(tid, []).append(int(i))
    for tid, seq in by_thread.items():
        assert seq == list(range(per_thread)), f"producer {tid} records out of order or missing"


def test_pipelined_requests_answered_in_order(broker):
    """Kafka answers the requests of one connection in the order they were sent, even when an
    earlier one (acks=all) waits for an fsync; acks=0 produces get no response at all."""
    t = unique_topic("pipe")
    create_topic(broker.bootstrap, t)
    with broker.conn() as c:
        pv = w.pick_version(w.api_versions(c), w.API_PRODUCE, 3, 8)
        batch = w.build_record_batch([w.Record(b"k", b"v")])
        plan = []  # (correlation id, api, expects response)
        out = b""
        for i in range(30):
            cid = 100 + i
            kind = i % 4
            if kind == 0:
                out += w.build_request(w.API_PRODUCE, pv, cid, w.produce_request_body(t, 0, batch, acks=-1))
                plan.append((cid, True))
            elif kind == 1:
                out += w.build_request(w.API_API_VERSIONS, 0, cid)
                plan.append((cid, True))
            elif kind == 2:
                out += w.build_request(w.API_PRODUCE, pv, cid, w.produce_request_body(t, 0, batch, acks=0))
                plan.append((cid, False))
            else:
                out += w.build_request(w.API_PRODUCE, pv, cid, w.produce_request_body(t, 0, batch, acks=1))
                plan.append((cid, True))
        c.send(out)
        got = []
        for _ in [p for p in plan if p[1]]:
            resp = c.recv_frame()
            got.append(struct.unpack_from(">i", resp, 0)[0])
    assert got == [cid for cid, expects in plan if expects]
    # every produce (including acks=0) was applied, in order
    msgs = consume_partition(broker.bootstrap, t, 0, expected=sum(1 for i in range(30) if i % 4 != 1))
    assert len(msgs) == sum(1 for i in range(30) if i % 4 != 1)


def test_list_offsets_earliest_latest_after_restart(broker):
    t = unique_topic("lo")
    create_topic(broker.bootstrap, t, 2)
    produce_values(broker.bootstrap, t, [b"a"] * 7, partition=1)
    broker.restart()
    c = make_consumer(broker.bootstrap)
    try:
        assert c.get_watermark_offsets(TopicPartition(t, 1), timeout=10, cached=False) == (0, 7)
        assert c.get_watermark_offsets(TopicPartition(t, 0), timeout=10, cached=False) == (0, 0)
    finally:
        c.close()


@pytest.mark.broker_config({"log.segment.bytes": "8192", "log.index.interval.bytes": "256"})
@pytest.mark.parametrize("damage", ["deleted", "truncated_odd_size"])
def test_index_files_rebuilt_after_damage(broker, damage):
    """Kafka rebuilds a missing or insane offset/time index on start-up."""
    t = unique_topic("idx")
    create_topic(broker.bootstrap, t)
    base_ts = int(time.time() * 1000) - 1_000_000
    # one record per batch, so the time lookups below test the index, not in-batch search
    p = make_producer(broker.bootstrap, acks="all", **{"linger.ms": 0, "batch.num.messages": 1})
    for i in range(400):
        p.produce(t, value=f"{i:05d}".encode() + b"i" * 100, partition=0, timestamp=base_ts + i * 10)
        p.poll(0)
    assert p.flush(30) == 0
    assert broker.stop(signal.SIGTERM) == 0
    segs = sorted(broker.partition_dir(t).glob("*.log"))
    assert len(segs) >= 3
    for log in segs:
        for suffix in (".index", ".timeindex"):
            f = log.with_suffix(suffix)
            if damage == "deleted":
                f.unlink(missing_ok=True)
            elif f.exists():
                data = f.read_bytes()
                f.write_bytes(data[: max(0, len(data) - 3)] if len(data) > 3 else b"\x01\x02\x03")
    broker.start()
    for start in (0, 123, 257, 399):
        msgs = consume_partition(broker.bootstrap, t, 0, start=start, expected=400 - start)
        assert msgs[0].offset() == start and msgs[0].value().startswith(f"{start:05d}".encode())
        assert len(msgs) == 400 - start
    c = make_consumer(broker.bootstrap)
    try:
        for i in (0, 77, 250, 399):
            res = c.offsets_for_times([TopicPartition(t, 0, base_ts + i * 10 - 5)], timeout=10)
            assert res[0].offset == i, (i, res[0].offset)
    finally:
        c.close()


def test_request_split_into_single_bytes(broker):
    with broker.conn() as c:
        req = w.build_request(w.API_API_VERSIONS, 0, 31)
        for b in req:
            c.send(bytes([b]))
            time.sleep(0.005)
        resp = c.recv_frame()
    assert struct.unpack_from(">i", resp, 0)[0] == 31
    err, apis = w.decode_api_versions_v0(resp[4:])
    assert err == 0 and w.API_PRODUCE in apis


def test_many_idle_connections(broker):
    conns = []
    try:
        for _ in range(300):
            conns.append(broker.conn(timeout=5))
        # all of them are served
        for i, c in enumerate(conns[::30]):
            assert w.api_versions(c)
        p = make_producer(broker.bootstrap, acks="all")
        err, _ = produce_sync(p, unique_topic("idle"), b"x", partition=0)
        assert err is None, err
    finally:
        for c in conns:
            c.close()
    assert broker.alive()
