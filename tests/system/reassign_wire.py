"""AlterPartitionReassignments (45) and ListPartitionReassignments (46), version 0 (flexible),
encoded by hand: the Kafka clients installed here have no API for them."""

from __future__ import annotations

import struct

from kafka_wire import Conn, Reader, compact_string, uvarint

ALTER = 45
LIST = 46


def _compact_array(items: list[bytes] | None) -> bytes:
    if items is None:
        return uvarint(0)
    return uvarint(len(items) + 1) + b"".join(items)


def _int32s(ids: list[int] | None) -> bytes:
    return _compact_array(None if ids is None else [struct.pack(">i", i) for i in ids])


def alter_body(moves: dict[tuple[str, int], list[int] | None], timeout_ms: int = 30000) -> bytes:
    """moves: (topic, partition) -> target replicas, or None to cancel."""
    topics: dict[str, list[bytes]] = {}
    for (topic, partition), replicas in moves.items():
        topics.setdefault(topic, []).append(struct.pack(">i", partition) + _int32s(replicas) + uvarint(0))
    body = [compact_string(t) + _compact_array(parts) + uvarint(0) for t, parts in topics.items()]
    return struct.pack(">i", timeout_ms) + _compact_array(body) + uvarint(0)


def _int32_array(r: Reader) -> list[int]:
    n = r.uvarint() - 1
    return [r.int32() for _ in range(max(n, 0))]


def _per_partition(r: Reader, read_partition) -> tuple[int, dict]:
    """Both responses: header tags, throttle, error, message, then topics of partitions, each
    partition decoded by read_partition(r) -> (partition, value)."""
    r.skip_tagged()
    r.int32()  # throttle
    error = r.int16()
    r.compact_string()
    out = {}
    for _ in range(r.uvarint() - 1):
        topic = r.compact_string()
        for _ in range(r.uvarint() - 1):
            partition, value = read_partition(r)
            r.skip_tagged()
            out[(topic, partition)] = value
        r.skip_tagged()
    return error, out


def alter(conn: Conn, moves: dict, correlation_id: int = 1) -> tuple[int, dict[tuple[str, int], int]]:
    """Returns (top-level error, (topic, partition) -> error)."""
    def partition_error(r: Reader):
        partition, error = r.int32(), r.int16()
        r.compact_string()
        return partition, error

    r = Reader(conn.request(ALTER, 0, alter_body(moves), correlation_id, flexible=True))
    return _per_partition(r, partition_error)


def list_moves(conn: Conn, correlation_id: int = 1) -> tuple[int, dict[tuple[str, int], tuple]]:
    """Returns (top-level error, (topic, partition) -> (replicas, adding, removing))."""
    body = struct.pack(">i", 30000) + uvarint(0) + uvarint(0)  # null topics: every move
    r = Reader(conn.request(LIST, 0, body, correlation_id, flexible=True))
    return _per_partition(r, lambda r: (r.int32(), (_int32_array(r), _int32_array(r), _int32_array(r))))
