"""kafka-python 2.0.2 (pure Python client, its own protocol code) against a real broker.

kafka-python negotiates its idea of the broker version from ApiVersions; nothing is pinned
here so the default client behaviour is what gets tested.
"""

from __future__ import annotations

import time

import pytest
from kafka import KafkaAdminClient, KafkaConsumer, KafkaProducer, TopicPartition
from kafka import codec as kcodec
from kafka.admin import NewTopic
from kafka.errors import InvalidTopicError, TopicAlreadyExistsError, UnknownTopicOrPartitionError

from systest_helpers import unique_topic, wait_topic_metadata

TIMEOUT_S = 15

CODEC_AVAILABLE = {
    None: (True, ""),
    "gzip": (kcodec.has_gzip(), "gzip unavailable"),
    "snappy": (kcodec.has_snappy(), "python module 'snappy' (python-snappy) is not installed"),
    "lz4": (kcodec.has_lz4(), "python module 'lz4' is not installed"),
    "zstd": (kcodec.has_zstd(), "python module 'zstandard' is not installed"),
}


def codec_param(c):
    ok, why = CODEC_AVAILABLE[c]
    return pytest.param(c, id=str(c), marks=() if ok else pytest.mark.skip(reason=why))


def kp_admin(b) -> KafkaAdminClient:
    return KafkaAdminClient(bootstrap_servers=b.bootstrap, request_timeout_ms=TIMEOUT_S * 1000)


def kp_consumer(b) -> KafkaConsumer:
    return KafkaConsumer(
        bootstrap_servers=b.bootstrap,
        group_id=None,
        enable_auto_commit=False,
        request_timeout_ms=TIMEOUT_S * 1000 + 1000,
        fetch_max_wait_ms=100,
    )


def read_partition(consumer: KafkaConsumer, tp: TopicPartition, n: int):
    out = []
    deadline = time.monotonic() + TIMEOUT_S
    while len(out) < n and time.monotonic() < deadline:
        for recs in consumer.poll(timeout_ms=500).values():
            out.extend(recs)
    return out


def create(b, topic: str, partitions: int) -> None:
    a = kp_admin(b)
    try:
        a.create_topics([NewTopic(topic, num_partitions=partitions, replication_factor=1)], timeout_ms=10000)
    finally:
        a.close()
    wait_topic_metadata(b.bootstrap, topic, partitions)


@pytest.mark.parametrize("codec", [codec_param(c) for c in CODEC_AVAILABLE])
def test_roundtrip(module_broker, codec):
    t = unique_topic(f"kp-{codec}")
    create(module_broker, t, 2)
    prod = KafkaProducer(bootstrap_servers=module_broker.bootstrap, compression_type=codec, acks="all",
                         linger_ms=5, request_timeout_ms=TIMEOUT_S * 1000)
    base_ts = int(time.time() * 1000) - 10_000
    sent = {0: [], 1: []}
    try:
        futures = []
        for i in range(60):
            part = i % 2
            key = None if i % 9 == 4 else f"k{i}".encode()
            # kafka-python refuses a record with neither key nor value
            value = None if i % 13 == 6 and key is not None else f"kafka-python {codec} {i} ".encode() * (1 + i % 5)
            headers = [("seq", str(i).encode()), ("codec", str(codec).encode())] if i % 2 else []
            ts = base_ts + i
            futures.append(prod.send(t, value=value, key=key, headers=headers, partition=part, timestamp_ms=ts))
            sent[part].append((key, value, headers, ts))
        prod.flush(timeout=TIMEOUT_S)
        for f in futures:
            md = f.get(timeout=TIMEOUT_S)
            assert md.offset >= 0
    finally:
        prod.close(timeout=5)

    cons = kp_consumer(module_broker)
    try:
        for part in (0, 1):
            tp = TopicPartition(t, part)
            cons.assign([tp])
            cons.seek_to_beginning(tp)
            recs = read_partition(cons, tp, len(sent[part]))
            assert len(recs) == len(sent[part]), f"partition {part}: {len(recs)} of {len(sent[part])}"
            for i, (r, (key, value, headers, ts)) in enumerate(zip(recs, sent[part])):
                assert r.offset == i
                assert r.key == key
                assert r.value == value
                assert list(r.headers) == headers, (r.headers, headers)
                assert r.timestamp == ts
                assert r.timestamp_type == 0  # CreateTime
    finally:
        cons.close()


def test_offsets_queries(module_broker):
    t = unique_topic("kp-off")
    create(module_broker, t, 1)
    base_ts = int(time.time() * 1000) - 100_000
    prod = KafkaProducer(bootstrap_servers=module_broker.bootstrap, acks=1, linger_ms=0)
    try:
        for i in range(10):
            prod.send(t, value=f"r{i}".encode(), partition=0, timestamp_ms=base_ts + i * 100).get(timeout=TIMEOUT_S)
    finally:
        prod.close(timeout=5)
    tp = TopicPartition(t, 0)
    cons = kp_consumer(module_broker)
    try:
        assert cons.beginning_offsets([tp]) == {tp: 0}
        assert cons.end_offsets([tp]) == {tp: 10}
        res = cons.offsets_for_times({tp: base_ts + 450})
        assert res[tp] is not None and res[tp].offset == 5 and res[tp].timestamp == base_ts + 500, res
        res = cons.offsets_for_times({tp: base_ts})
        assert res[tp].offset == 0, res
        res = cons.offsets_for_times({tp: base_ts + 10_000})
        assert res[tp] is None, res  # no record that late
        cons.assign([tp])
        cons.seek(tp, 7)
        recs = read_partition(cons, tp, 3)
        assert [(r.offset, r.value) for r in recs] == [(7, b"r7"), (8, b"r8"), (9, b"r9")]
    finally:
        cons.close()


def test_admin_create_and_delete(module_broker):
    t = unique_topic("kp-adm")
    a = kp_admin(module_broker)
    try:
        a.create_topics([NewTopic(t, num_partitions=3, replication_factor=1)], timeout_ms=10000)
        wait_topic_metadata(module_broker.bootstrap, t, 3)
        assert t in a.list_topics()
        with pytest.raises(TopicAlreadyExistsError):
            a.create_topics([NewTopic(t, num_partitions=1, replication_factor=1)], timeout_ms=10000)
        with pytest.raises(InvalidTopicError):
            a.create_topics([NewTopic("bad/name", num_partitions=1, replication_factor=1)], timeout_ms=10000)
        a.delete_topics([t], timeout_ms=10000)
        deadline = time.monotonic() + TIMEOUT_S
        while t in a.list_topics() and time.monotonic() < deadline:
            time.sleep(0.2)
        assert t not in a.list_topics()
        with pytest.raises(UnknownTopicOrPartitionError):
            a.delete_topics([t], timeout_ms=10000)
    finally:
        a.close()
