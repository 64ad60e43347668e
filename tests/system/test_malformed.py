"""Malformed and hostile input over raw sockets: the broker answers with a Kafka error code or
closes that one connection, and always stays up and serving (DESIGN.md principle 5)."""

from __future__ import annotations

import random
import socket
import struct

import pytest
from confluent_kafka import TopicPartition

import kafka_wire as w
from systest_helpers import consume_partition, create_topic, make_consumer, make_producer, produce_sync, unique_topic


def assert_healthy(broker) -> None:
    """The process is alive and a brand-new confluent-kafka producer can produce."""
    assert broker.alive(), f"broker died; stderr:\n{broker.stderr_text()[-4000:]}"
    p = make_producer(broker.bootstrap, acks="all", **{"message.timeout.ms": 15000})
    err, msg = produce_sync(p, "health-check", b"still here", partition=0, timeout=20)
    assert err is None, f"health produce failed: {err}; broker stderr:\n{broker.stderr_text()[-4000:]}"
    assert broker.alive()


def closed_or_error(conn: w.Conn, correlation_id: int, timeout: float = 10.0) -> str:
    """Returns 'closed' if the broker closed the connection, else 'response' (after checking the
    correlation id of the one response read)."""
    try:
        resp = conn.recv_frame()
    except (ConnectionError, OSError):
        return "closed"
    (cid,) = struct.unpack_from(">i", resp, 0)
    assert cid == correlation_id, f"response with correlation id {cid}, expected {correlation_id}"
    return "response"


def high_watermark(broker, topic: str, partition: int = 0) -> int:
    c = make_consumer(broker.bootstrap)
    try:
        return c.get_watermark_offsets(TopicPartition(topic, partition), timeout=10, cached=False)[1]
    finally:
        c.close()


# ------------------------------------------------------------------------ framing


@pytest.mark.parametrize("size", [-1, -2147483648, 0x7FFFFFFF, 104857600 + 1, 200_000_000])
def test_bad_frame_size_closes_connection(broker, size):
    with broker.conn() as c:
        c.send(struct.pack(">i", size) + b"\x00\x12\x00\x00" * 16)
        assert c.wait_closed(10), f"connection still open after frame size {size}"
    assert_healthy(broker)


@pytest.mark.broker_config({"socket.request.max.bytes": "4096"})
def test_frame_over_configured_socket_request_max_bytes(broker):
    with broker.conn() as c:
        body = w.request_header(w.API_API_VERSIONS, 0, 1) + b"\x00" * 5000
        c.send(w.frame(body))
        assert c.wait_closed(10)
    # a normal-sized request on a new connection still works
    with broker.conn() as c:
        assert w.API_PRODUCE in w.api_versions(c)
    assert_healthy(broker)


@pytest.mark.parametrize(
    "payload",
    [b"\x00\x00\x00", b"\x00\x00\x00\x02\x00\x12", b"\x00\x00\x00\x00"],
    ids=["partial-size", "2-byte-frame", "empty-frame"],
)
def test_short_header_frames(broker, payload):
    # size prefix only, a frame too short to hold a request header, and an empty frame:
    # the connection may be closed, but nothing else happens.
    with broker.conn() as c:
        c.send(payload)
        c.wait_closed(2)
    assert_healthy(broker)


def test_truncated_frame_then_close(broker):
    for _ in range(5):
        with broker.conn() as c:
            req = w.build_request(w.API_METADATA, 1, 3, struct.pack(">i", -1))
            c.send(struct.pack(">i", 500) + req[4:])  # claims 500 bytes, sends fewer
    with broker.conn() as c:
        c.send(struct.pack(">i", 1000) + b"\x00" * 10)
        c.sock.shutdown(socket.SHUT_WR)  # half-close mid-frame
        c.wait_closed(5)
    assert_healthy(broker)


def test_random_bytes(broker):
    rng = random.Random(20261122)
    with broker.conn() as c:
        try:
            c.send(bytes(rng.getrandbits(8) for _ in range(64 * 1024)))
        except (BrokenPipeError, ConnectionResetError):
            pass  # the broker already closed on the first bad size prefix
        c.wait_closed(5)
    assert_healthy(broker)


def test_fuzzed_request_bodies(broker):
    """Valid size prefix and header, random body, for each advertised API (bounded count)."""
    rng = random.Random(4242)
    with broker.conn() as c:
        apis = w.api_versions(c)
    cases = 0
    for key, (lo, hi) in sorted(apis.items()):
        for version in {lo, hi}:
            for _ in range(2):
                body = bytes(rng.getrandbits(8) for _ in range(rng.randrange(0, 300)))
                flexible = rng.random() < 0.5
                try:
                    with broker.conn(timeout=2) as c:
                        c.send(w.build_request(key, version, 77, body, flexible=flexible))
                        try:
                            c.recv_frame()
                        except (ConnectionError, OSError, ValueError):
                            pass
                except OSError:
                    pass
                cases += 1
        assert broker.alive(), f"broker died on api {key}; stderr:\n{broker.stderr_text()[-4000:]}"
    assert cases > 0
    assert_healthy(broker)


# ------------------------------------------------------------------------ API versions


def test_unknown_api_key(broker):
    with broker.conn() as c:
        c.send(w.build_request(9999, 0, 42, b"\x00" * 8))
        outcome = closed_or_error(c, 42)
    assert outcome in ("closed", "response")
    assert_healthy(broker)


def test_api_versions_unsupported_version(broker):
    with broker.conn() as c:
        # A future ApiVersions version: the broker cannot know its header/body layout, so
        # Kafka answers in v0 format with UNSUPPORTED_VERSION and its own version ranges.
        c.send(w.build_request(w.API_API_VERSIONS, 99, 5, b"", flexible=True))
        resp = c.recv_frame()
    (cid,) = struct.unpack_from(">i", resp, 0)
    assert cid == 5
    err, apis = w.decode_api_versions_v0(resp[4:])
    assert err == w.ERR_UNSUPPORTED_VERSION
    assert w.API_API_VERSIONS in apis and apis[w.API_API_VERSIONS][0] == 0, apis
    assert w.API_PRODUCE in apis and w.API_FETCH in apis and w.API_METADATA in apis, apis
    for key, (lo, hi) in apis.items():
        assert 0 <= lo <= hi, (key, lo, hi)
    assert_healthy(broker)


def test_api_versions_v0_lists_supported_apis(broker):
    with broker.conn() as c:
        apis = w.api_versions(c)
    assert apis[w.API_PRODUCE][0] <= 3 <= apis[w.API_PRODUCE][1], apis[w.API_PRODUCE]
    for key in (w.API_FETCH, w.API_LIST_OFFSETS, w.API_METADATA, w.API_CREATE_TOPICS, 20, 37):
        assert key in apis, f"api {key} not advertised: {apis}"


def test_old_produce_and_fetch_versions_are_advertised_but_refused(broker):
    """librdkafka enables compression only when Produce v0 lies in the advertised range (and
    message format v2 only with Fetch v4 in range), so Gregor advertises Produce and Fetch from
    v0, as Kafka 4.0 does, and answers v0-v2 / v0-v3 with UNSUPPORTED_VERSION (tests below)."""
    with broker.conn() as c:
        apis = w.api_versions(c)
    lo, hi = apis[w.API_PRODUCE]
    assert (lo, hi) == (0, 9), f"Produce advertised as v{lo}..v{hi}"
    fetch_lo, fetch_hi = apis[w.API_FETCH]
    assert fetch_lo == 0 and fetch_hi >= 11, f"Fetch advertised as v{fetch_lo}..v{fetch_hi}"


def test_produce_v2_unsupported(broker):
    topic = unique_topic("v2")
    create_topic(broker.bootstrap, topic)
    # v2 body: no transactional_id
    body = struct.pack(">hi", 1, 5000) + struct.pack(">i", 1) + w.kstring(topic) + struct.pack(">i", 1)
    body += struct.pack(">i", 0) + w.kbytes(w.build_record_batch([w.Record(b"k", b"v")]))
    with broker.conn() as c:
        c.send(w.build_request(w.API_PRODUCE, 2, 9, body))
        try:
            resp = c.recv_frame()
        except (ConnectionError, OSError):
            resp = None
    if resp is not None:
        (cid,) = struct.unpack_from(">i", resp, 0)
        assert cid == 9
        results = w.decode_produce_response(resp[4:], 2)
        assert results and all(r.error_code == w.ERR_UNSUPPORTED_VERSION for r in results), results
    assert high_watermark(broker, topic) == 0, "a Produce v2 request was applied"
    assert_healthy(broker)


# ------------------------------------------------------------------------ Produce validation


def records(n: int, size: int = 20) -> list[w.Record]:
    return [w.Record(f"k{i}".encode(), (f"v{i}-".encode() * size)[:size], [("h", b"1")]) for i in range(n)]


def test_produce_raw_valid_batch(broker):
    """Sanity check of the hand-built batch: accepted and readable by a real client."""
    topic = unique_topic("raw")
    create_topic(broker.bootstrap, topic)
    with broker.conn() as c:
        res = w.produce(c, topic, 0, w.build_record_batch(records(3)), acks=1)
    assert (res.error_code, res.base_offset) == (0, 0), res
    msgs = consume_partition(broker.bootstrap, topic, 0, expected=3)
    assert [(m.offset(), m.key()) for m in msgs] == [(0, b"k0"), (1, b"k1"), (2, b"k2")]
    assert msgs[0].headers() == [("h", b"1")]


@pytest.mark.parametrize("where", ["records", "crc_field", "header_after_crc"])
def test_produce_corrupt_crc(broker, where):
    topic = unique_topic("crc")
    create_topic(broker.bootstrap, topic)
    batch = bytearray(w.build_record_batch(records(3)))
    # a byte inside the last record's value / inside the CRC itself / the maxTimestamp field
    pos = {"records": len(batch) - 8, "crc_field": w.CRC_OFFSET + 1, "header_after_crc": 40}[where]
    batch[pos] ^= 0x10
    with broker.conn() as c:
        res = w.produce(c, topic, 0, bytes(batch), acks=1)
        assert res.error_code == w.ERR_CORRUPT_MESSAGE, res
        # the same connection keeps working
        ok = w.produce(c, topic, 0, w.build_record_batch([w.Record(b"good", b"batch")]), acks=1)
        assert (ok.error_code, ok.base_offset) == (0, 0), ok
    msgs = consume_partition(broker.bootstrap, topic, 0, expected=1)
    assert [(m.offset(), m.key(), m.value()) for m in msgs] == [(0, b"good", b"batch")]
    assert_healthy(broker)


def test_produce_truncated_batch(broker):
    topic = unique_topic("trunc")
    create_topic(broker.bootstrap, topic)
    batch = w.build_record_batch(records(3))
    with broker.conn() as c:
        res = w.produce(c, topic, 0, batch[:-7], acks=1)
    # Kafka: CORRUPT_MESSAGE (2) or INVALID_RECORD (87)
    assert res.error_code in (w.ERR_CORRUPT_MESSAGE, 87), res
    assert high_watermark(broker, topic) == 0
    assert_healthy(broker)


@pytest.mark.broker_config({"message.max.bytes": "1000"})
def test_produce_oversize_batch(broker):
    topic = unique_topic("over")
    create_topic(broker.bootstrap, topic)
    big = w.build_record_batch([w.Record(b"k", b"z" * 3000)])
    with broker.conn() as c:
        res = w.produce(c, topic, 0, big, acks=1)
        assert res.error_code == w.ERR_MESSAGE_TOO_LARGE, res
        ok = w.produce(c, topic, 0, w.build_record_batch([w.Record(b"k", b"small")]), acks=1)
        assert (ok.error_code, ok.base_offset) == (0, 0), ok
    assert high_watermark(broker, topic) == 1
    assert b"z" * 100 not in broker.active_segment(topic, 0).read_bytes()
    assert_healthy(broker)


def test_produce_unknown_partition(broker):
    topic = unique_topic("nopart")
    create_topic(broker.bootstrap, topic)
    with broker.conn() as c:
        res = w.produce(c, topic, 5, w.build_record_batch(records(1)), acks=1)
    assert res.error_code == 3, res  # UNKNOWN_TOPIC_OR_PARTITION
    assert_healthy(broker)


# ------------------------------------------------------------------------ CreateTopics


def test_create_topics_raw(broker):
    name = unique_topic("rawct")
    with broker.conn() as c:
        assert w.create_topic_raw(c, name, partitions=2)[0] == w.ERR_NONE
        assert w.create_topic_raw(c, name, partitions=2)[0] == w.ERR_TOPIC_ALREADY_EXISTS


@pytest.mark.parametrize(
    "name", ["bad/name", pytest.param("", id="empty"), pytest.param("a" * 250, id="250-chars"), "spa ce", "."]
)
def test_create_topics_bad_name(broker, name):
    with broker.conn() as c:
        err, msg = w.create_topic_raw(c, name)
    assert err == w.ERR_INVALID_TOPIC_EXCEPTION, (err, msg)
    assert not (broker.log_dir / f"{name}-0").exists() if name else True
    assert_healthy(broker)


@pytest.mark.parametrize("case", ["offset_out_of_range", "unknown_partition"])
def test_fetch_error_partition_has_empty_not_null_records(broker, case):
    """Kafka sends an empty (size 0) record set with a partition error; librdkafka 2.0.2 treats a
    null (-1) record set as a protocol error and never sees OFFSET_OUT_OF_RANGE."""
    topic = unique_topic("fe")
    create_topic(broker.bootstrap, topic)
    with broker.conn() as c:
        assert w.produce(c, topic, 0, w.build_record_batch(records(3)), acks=1).error_code == 0
        part, offset, want = (0, 1000, 1) if case == "offset_out_of_range" else (9, 0, 3)
        payload = c.request(w.API_FETCH, 4, w.fetch_v4_body(topic, part, offset), correlation_id=51)
    (res,) = w.decode_fetch_v4_response(payload)
    assert res.error_code == want, res
    assert res.records_size == 0, f"records size {res.records_size} (null) with error {res.error_code}"


def test_fetch_v4_raw_reads_batch(broker):
    topic = unique_topic("fr")
    create_topic(broker.bootstrap, topic)
    batch = w.build_record_batch(records(3))
    with broker.conn() as c:
        assert w.produce(c, topic, 0, batch, acks=1).error_code == 0
        (res,) = w.decode_fetch_v4_response(
            c.request(w.API_FETCH, 4, w.fetch_v4_body(topic, 0, 0), correlation_id=52))
    assert (res.error_code, res.high_watermark) == (0, 3)
    # stored and served exactly as sent, apart from base offset / leader epoch (outside the CRC)
    assert res.records[w.CRC_OFFSET:] == batch[w.CRC_OFFSET:]
    assert w.scan_batches(res.records)[0].crc_ok
