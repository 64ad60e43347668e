"""Raw group-protocol requests for the group system tests (non-flexible versions, but for
FindCoordinator v4's batched keys).

JoinGroup v5, SyncGroup v3, Heartbeat v3, LeaveGroup v3, OffsetCommit v7, OffsetFetch v5,
OffsetDelete v0, FindCoordinator v2:
the newest versions of each before the flexible encoding, so plain int16 strings and int32
arrays suffice. Built on kafka_wire's framing and Reader.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass, field

import kafka_wire as w

API_OFFSET_COMMIT = 8
API_OFFSET_FETCH = 9
API_JOIN_GROUP = 11
API_HEARTBEAT = 12
API_LEAVE_GROUP = 13
API_SYNC_GROUP = 14
API_FIND_COORDINATOR = 10
API_OFFSET_DELETE = 47

ERR_NONE = 0
ERR_UNKNOWN_TOPIC_OR_PARTITION = 3
ERR_COORDINATOR_LOAD_IN_PROGRESS = 14
ERR_COORDINATOR_NOT_AVAILABLE = 15
ERR_NOT_COORDINATOR = 16
ERR_ILLEGAL_GENERATION = 22
ERR_INCONSISTENT_GROUP_PROTOCOL = 23
ERR_INVALID_GROUP_ID = 24
ERR_UNKNOWN_MEMBER_ID = 25
ERR_INVALID_SESSION_TIMEOUT = 26
ERR_REBALANCE_IN_PROGRESS = 27
ERR_MEMBER_ID_REQUIRED = 79
ERR_FENCED_INSTANCE_ID = 82
ERR_NON_EMPTY_GROUP = 68
ERR_GROUP_ID_NOT_FOUND = 69
ERR_GROUP_SUBSCRIBED_TO_TOPIC = 86


def consumer_subscription(topics: list[str]) -> bytes:
    """ConsumerProtocolSubscription v0: version, topics, user data (null)."""
    out = struct.pack(">hi", 0, len(topics))
    for t in topics:
        out += w.kstring(t)
    return out + w.kbytes(None)


@dataclass
class JoinResult:
    error: int
    generation: int
    protocol: str | None
    leader: str
    member_id: str
    members: list[tuple[str, bytes]] = field(default_factory=list)


def join_body(group: str, member_id: str = "", topics: list[str] | None = None,
              session_timeout_ms: int = 10000, rebalance_timeout_ms: int = 10000,
              instance_id: str | None = None, protocol: str = "range") -> bytes:
    body = w.kstring(group) + struct.pack(">ii", session_timeout_ms, rebalance_timeout_ms)
    body += w.kstring(member_id) + w.kstring(instance_id) + w.kstring("consumer")
    return body + struct.pack(">i", 1) + w.kstring(protocol) + w.kbytes(consumer_subscription(topics or ["t"]))


def parse_join(payload: bytes) -> JoinResult:
    r = w.Reader(payload)
    r.int32()  # throttle
    err, gen = r.int16(), r.int32()
    proto, leader, member = r.string(), r.string(), r.string()
    members = []
    for _ in range(r.int32()):
        mid = r.string()
        r.string()  # instance id
        n = r.int32()
        members.append((mid, r.buf[r.pos:r.pos + n]))
        r.pos += n
    return JoinResult(err, gen, proto, leader, member, members)


def send_join(conn: w.Conn, correlation_id: int = 31, **kw) -> None:
    """Sends a JoinGroup v5 without waiting; read it with parse_join(read_response(...))."""
    conn.send(w.build_request(API_JOIN_GROUP, 5, correlation_id, join_body(**kw)))


def read_response(conn: w.Conn, correlation_id: int) -> bytes:
    resp = conn.recv_frame()
    assert struct.unpack_from(">i", resp, 0)[0] == correlation_id
    return resp[4:]


def join_group(conn: w.Conn, group: str, member_id: str = "", topics: list[str] | None = None, **kw) -> JoinResult:
    body = join_body(group, member_id, topics, **kw)
    return parse_join(conn.request(API_JOIN_GROUP, 5, body, correlation_id=31))


def join_group_flexible_error(conn: w.Conn, group: str) -> int:
    """JoinGroup v6 (compact strings: a group id may exceed 32767 bytes); returns the error code."""
    def compact_bytes(b: bytes) -> bytes:
        return w.uvarint(len(b) + 1) + b
    body = w.compact_string(group) + struct.pack(">ii", 10000, 10000) + w.compact_string("")
    body += w.compact_string(None) + w.compact_string("consumer")
    body += w.uvarint(2) + w.compact_string("range") + compact_bytes(consumer_subscription(["t"])) + w.uvarint(0)
    body += w.uvarint(0)
    r = w.Reader(conn.request(API_JOIN_GROUP, 6, body, correlation_id=37, flexible=True))
    r.skip_tagged()  # response header v1
    r.int32()  # throttle
    return r.int16()


def sync_group(conn: w.Conn, group: str, generation: int, member_id: str,
               assignments: dict[str, bytes] | None = None) -> tuple[int, bytes]:
    body = w.kstring(group) + struct.pack(">i", generation) + w.kstring(member_id) + w.kstring(None)
    items = list((assignments or {}).items())
    body += struct.pack(">i", len(items))
    for mid, data in items:
        body += w.kstring(mid) + w.kbytes(data)
    r = w.Reader(conn.request(API_SYNC_GROUP, 3, body, correlation_id=32))
    r.int32()
    err = r.int16()
    n = r.int32()
    return err, r.buf[r.pos:r.pos + max(n, 0)]


def heartbeat(conn: w.Conn, group: str, generation: int, member_id: str) -> int:
    body = w.kstring(group) + struct.pack(">i", generation) + w.kstring(member_id) + w.kstring(None)
    r = w.Reader(conn.request(API_HEARTBEAT, 3, body, correlation_id=33))
    r.int32()
    return r.int16()


def leave_group(conn: w.Conn, group: str, member_ids: list[str]) -> tuple[int, list[int]]:
    body = w.kstring(group) + struct.pack(">i", len(member_ids))
    for mid in member_ids:
        body += w.kstring(mid) + w.kstring(None)
    r = w.Reader(conn.request(API_LEAVE_GROUP, 3, body, correlation_id=34))
    r.int32()
    top = r.int16()
    errors = []
    for _ in range(r.int32()):
        r.string()
        r.string()
        errors.append(r.int16())
    return top, errors


def read_partition_errors(r: w.Reader) -> dict[tuple[str, int], int]:
    """[topic string, [partition int32, error int16]] -> {(topic, partition): error}."""
    out = {}
    for _ in range(r.int32()):
        t = r.string()
        for _ in range(r.int32()):
            p = r.int32()
            out[(t, p)] = r.int16()
    return out


def offset_commit(conn: w.Conn, group: str, generation: int, member_id: str,
                  offsets: dict[tuple[str, int], int]) -> dict[tuple[str, int], int]:
    by_topic: dict[str, list[tuple[int, int]]] = {}
    for (t, p), o in offsets.items():
        by_topic.setdefault(t, []).append((p, o))
    body = w.kstring(group) + struct.pack(">i", generation) + w.kstring(member_id) + w.kstring(None)
    body += struct.pack(">i", len(by_topic))
    for t, parts in by_topic.items():
        body += w.kstring(t) + struct.pack(">i", len(parts))
        for p, o in parts:
            body += struct.pack(">iqi", p, o, -1) + w.kstring("")
    r = w.Reader(conn.request(API_OFFSET_COMMIT, 7, body, correlation_id=35))
    r.int32()
    return read_partition_errors(r)


def offset_fetch(conn: w.Conn, group: str, partitions: dict[str, list[int]] | None) -> tuple[int, dict]:
    """OffsetFetch v5; partitions None = all. Returns (error, {(topic, p): (offset, error)})."""
    body = w.kstring(group)
    if partitions is None:
        body += struct.pack(">i", -1)
    else:
        body += struct.pack(">i", len(partitions))
        for t, ps in partitions.items():
            body += w.kstring(t) + struct.pack(">i", len(ps)) + b"".join(struct.pack(">i", p) for p in ps)
    r = w.Reader(conn.request(API_OFFSET_FETCH, 5, body, correlation_id=36))
    r.int32()
    out = {}
    for _ in range(r.int32()):
        t = r.string()
        for _ in range(r.int32()):
            p, o, _epoch = r.take(">iqi")
            r.string()
            out[(t, p)] = (o, r.int16())
    return r.int16(), out


def offset_delete(conn: w.Conn, group: str, partitions: dict[str, list[int]]) -> tuple[int, dict]:
    """OffsetDelete v0. Returns (group error, {(topic, p): error})."""
    body = w.kstring(group) + struct.pack(">i", len(partitions))
    for t, ps in partitions.items():
        body += w.kstring(t) + struct.pack(">i", len(ps)) + b"".join(struct.pack(">i", p) for p in ps)
    r = w.Reader(conn.request(API_OFFSET_DELETE, 0, body, correlation_id=37))
    error = r.int16()
    r.int32()
    return error, read_partition_errors(r)


def join_member(conn: w.Conn, group: str, topics: list[str], **kw) -> JoinResult:
    """The KIP-394 handshake: MEMBER_ID_REQUIRED, then the join with the given id."""
    first = join_group(conn, group, "", topics, **kw)
    assert first.error == ERR_MEMBER_ID_REQUIRED, first
    assert first.member_id
    return join_group(conn, group, first.member_id, topics, **kw)


@dataclass
class Coordinator:
    error: int
    node_id: int
    host: str
    port: int
    message: str | None = None


def find_coordinator(conn: w.Conn, key: str, key_type: int = 0) -> Coordinator:
    """FindCoordinator v2 (one key)."""
    body = w.kstring(key) + struct.pack(">b", key_type)
    r = w.Reader(conn.request(API_FIND_COORDINATOR, 2, body, correlation_id=38))
    r.int32()  # throttle
    error = r.int16()
    message = r.string()
    node_id = r.int32()
    host = r.string()
    return Coordinator(error, node_id, host, r.int32(), message)


def find_coordinators(conn: w.Conn, keys: list[str], key_type: int = 0) -> dict[str, Coordinator]:
    """FindCoordinator v4 (KIP-699: several keys at once, flexible encoding)."""
    body = struct.pack(">b", key_type) + w.uvarint(len(keys) + 1)
    body += b"".join(w.compact_string(k) for k in keys) + w.uvarint(0)
    r = w.Reader(conn.request(API_FIND_COORDINATOR, 4, body, correlation_id=39, flexible=True))
    r.skip_tagged()  # response header v1
    r.int32()  # throttle
    out = {}
    for _ in range(r.uvarint() - 1):
        key = r.compact_string()
        node_id = r.int32()
        host = r.compact_string()
        port = r.int32()
        error = r.int16()
        out[key] = Coordinator(error, node_id, host, port, r.compact_string())
        r.skip_tagged()
    return out
