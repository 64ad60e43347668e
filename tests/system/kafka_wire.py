"""Minimal Kafka wire-format helpers for system tests (no client library).

Everything here is written from the public protocol specification and uses only `struct`,
so malformed-input tests can craft exactly the bytes they want:

* CRC32C (Castagnoli, table based) as used by RecordBatch v2;
* zig-zag varints and a RecordBatch v2 (magic 2, uncompressed) builder and parser;
* request framing (int32 size + request header v1 / v2) and a blocking socket helper;
* encoders/decoders for the few requests the tests need: ApiVersions, Produce v3..v8,
  CreateTopics v0..v5.
"""

from __future__ import annotations

import socket
import struct
import time
from dataclasses import dataclass, field

# ----------------------------------------------------------------------------- CRC32C

_CRC32C_POLY = 0x82F63B78


def _make_table() -> list[int]:
    table = []
    for n in range(256):
        c = n
        for _ in range(8):
            c = (c >> 1) ^ _CRC32C_POLY if c & 1 else c >> 1
        table.append(c)
    return table


_CRC32C_TABLE = _make_table()


def crc32c(data: bytes, crc: int = 0) -> int:
    crc ^= 0xFFFFFFFF
    table = _CRC32C_TABLE
    for b in data:
        crc = table[(crc ^ b) & 0xFF] ^ (crc >> 8)
    return crc ^ 0xFFFFFFFF


assert crc32c(b"123456789") == 0xE3069283, "crc32c self-check"

# ----------------------------------------------------------------------------- varints


def zigzag_varint(n: int) -> bytes:
    """Signed varint (zig-zag) as used inside records (64-bit range)."""
    z = ((n << 1) ^ (n >> 63)) & 0xFFFFFFFFFFFFFFFF
    return uvarint(z)


def uvarint(z: int) -> bytes:
    out = bytearray()
    while True:
        b = z & 0x7F
        z >>= 7
        if z:
            out.append(b | 0x80)
        else:
            out.append(b)
            return bytes(out)


def read_uvarint(buf: bytes, pos: int) -> tuple[int, int]:
    shift = 0
    result = 0
    for _ in range(10):
        b = buf[pos]
        pos += 1
        result |= (b & 0x7F) << shift
        if not b & 0x80:
            return result, pos
        shift += 7
    raise ValueError("varint too long")


def read_varint(buf: bytes, pos: int) -> tuple[int, int]:
    z, pos = read_uvarint(buf, pos)
    return (z >> 1) ^ -(z & 1), pos


# ----------------------------------------------------------------------------- RecordBatch v2

BATCH_HEADER_SIZE = 61  # bytes from baseOffset up to and including the record count
CRC_OFFSET = 17  # baseOffset(8) batchLength(4) leaderEpoch(4) magic(1)
CRC_COVERS_FROM = 21  # attributes onwards


@dataclass
class Record:
    key: bytes | None
    value: bytes | None
    headers: list[tuple[str, bytes | None]] = field(default_factory=list)
    timestamp_delta: int = 0


def encode_record(offset_delta: int, rec: Record) -> bytes:
    body = bytearray()
    body += b"\x00"  # attributes
    body += zigzag_varint(rec.timestamp_delta)
    body += zigzag_varint(offset_delta)
    if rec.key is None:
        body += zigzag_varint(-1)
    else:
        body += zigzag_varint(len(rec.key)) + rec.key
    if rec.value is None:
        body += zigzag_varint(-1)
    else:
        body += zigzag_varint(len(rec.value)) + rec.value
    body += zigzag_varint(len(rec.headers))
    for hk, hv in rec.headers:
        hkb = hk.encode()
        body += zigzag_varint(len(hkb)) + hkb
        if hv is None:
            body += zigzag_varint(-1)
        else:
            body += zigzag_varint(len(hv)) + hv
    return zigzag_varint(len(body)) + bytes(body)


def build_record_batch(
    records: list[Record],
    base_offset: int = 0,
    base_timestamp: int | None = None,
    attributes: int = 0,
) -> bytes:
    """An uncompressed RecordBatch v2 with a correct CRC32C."""
    if base_timestamp is None:
        base_timestamp = int(time.time() * 1000)
    recs = b"".join(encode_record(i, r) for i, r in enumerate(records))
    max_ts = base_timestamp + max((r.timestamp_delta for r in records), default=0)
    after_crc = struct.pack(
        ">hiqqqhii",
        attributes,
        len(records) - 1,  # lastOffsetDelta
        base_timestamp,
        max_ts,
        -1,  # producerId
        -1,  # producerEpoch
        -1,  # baseSequence
        len(records),
    ) + recs
    crc = crc32c(after_crc)
    # batchLength counts from partitionLeaderEpoch to the end.
    batch_length = 4 + 1 + 4 + len(after_crc)
    return struct.pack(">qiibI", base_offset, batch_length, -1, 2, crc) + after_crc


@dataclass
class BatchInfo:
    position: int  # file position of the batch start
    base_offset: int
    length: int  # full size in bytes including the 12-byte prefix
    last_offset_delta: int
    record_count: int
    crc_ok: bool


def scan_batches(data: bytes) -> list[BatchInfo]:
    """Walk a .log segment; stops at the first incomplete batch."""
    out = []
    pos = 0
    while pos + BATCH_HEADER_SIZE <= len(data):
        base_offset, batch_length = struct.unpack_from(">qi", data, pos)
        total = 12 + batch_length
        if batch_length < BATCH_HEADER_SIZE - 12 or pos + total > len(data):
            break
        (crc,) = struct.unpack_from(">I", data, pos + CRC_OFFSET)
        (last_delta,) = struct.unpack_from(">i", data, pos + 23)
        (count,) = struct.unpack_from(">i", data, pos + 57)
        ok = crc32c(data[pos + CRC_COVERS_FROM : pos + total]) == crc
        out.append(BatchInfo(pos, base_offset, total, last_delta, count, ok))
        pos += total
    return out


# ----------------------------------------------------------------------------- framing

API_PRODUCE = 0
API_FETCH = 1
API_LIST_OFFSETS = 2
API_METADATA = 3
API_API_VERSIONS = 18
API_CREATE_TOPICS = 19

ERR_NONE = 0
ERR_CORRUPT_MESSAGE = 2
ERR_MESSAGE_TOO_LARGE = 10
ERR_INVALID_TOPIC_EXCEPTION = 17
ERR_UNSUPPORTED_VERSION = 35
ERR_TOPIC_ALREADY_EXISTS = 36


def kstring(s: str | None) -> bytes:
    if s is None:
        return struct.pack(">h", -1)
    b = s.encode()
    return struct.pack(">h", len(b)) + b


def kbytes(b: bytes | None) -> bytes:
    if b is None:
        return struct.pack(">i", -1)
    return struct.pack(">i", len(b)) + b


def compact_string(s: str | None) -> bytes:
    if s is None:
        return uvarint(0)
    b = s.encode()
    return uvarint(len(b) + 1) + b


def request_header(
    api_key: int, api_version: int, correlation_id: int, client_id: str | None = "systest", flexible: bool = False
) -> bytes:
    """Request header v1 (or v2 with an empty tagged-field section when flexible)."""
    hdr = struct.pack(">hhi", api_key, api_version, correlation_id) + kstring(client_id)
    if flexible:
        hdr += uvarint(0)
    return hdr


def frame(payload: bytes) -> bytes:
    return struct.pack(">i", len(payload)) + payload


def build_request(
    api_key: int, api_version: int, correlation_id: int, body: bytes = b"", flexible: bool = False
) -> bytes:
    return frame(request_header(api_key, api_version, correlation_id, flexible=flexible) + body)


class Conn:
    """A blocking TCP connection with bounded reads."""

    def __init__(self, host: str, port: int, timeout: float = 10.0):
        self.sock = socket.create_connection((host, port), timeout=timeout)
        self.sock.settimeout(timeout)

    def close(self) -> None:
        try:
            self.sock.close()
        except OSError:
            pass

    def __enter__(self) -> "Conn":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def send(self, data: bytes) -> None:
        self.sock.sendall(data)

    def _recv_exact(self, n: int) -> bytes:
        buf = bytearray()
        while len(buf) < n:
            chunk = self.sock.recv(min(65536, n - len(buf)))
            if not chunk:
                raise ConnectionError(f"connection closed after {len(buf)} of {n} bytes")
            buf += chunk
        return bytes(buf)

    def recv_frame(self) -> bytes:
        (size,) = struct.unpack(">i", self._recv_exact(4))
        if size < 0 or size > 64 * 1024 * 1024:
            raise ValueError(f"bad response size {size}")
        return self._recv_exact(size)

    def request(self, api_key: int, api_version: int, body: bytes = b"", correlation_id: int = 1,
                flexible: bool = False) -> bytes:
        """Send one request; return the response payload after the correlation id
        (for flexible responses the caller skips the header tagged fields)."""
        self.send(build_request(api_key, api_version, correlation_id, body, flexible))
        resp = self.recv_frame()
        (cid,) = struct.unpack_from(">i", resp, 0)
        if cid != correlation_id:
            raise AssertionError(f"correlation id {cid} != {correlation_id}")
        return resp[4:]

    def wait_closed(self, timeout: float = 10.0) -> bool:
        """True when the peer closes (EOF or reset) within `timeout`; reads and discards data."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            self.sock.settimeout(max(0.05, deadline - time.monotonic()))
            try:
                chunk = self.sock.recv(65536)
            except socket.timeout:
                return False
            except (ConnectionResetError, BrokenPipeError, ConnectionAbortedError):
                return True
            if not chunk:
                return True
        return False


# ----------------------------------------------------------------------------- decoding


class Reader:
    def __init__(self, buf: bytes, pos: int = 0):
        self.buf = buf
        self.pos = pos

    def take(self, fmt: str):
        vals = struct.unpack_from(fmt, self.buf, self.pos)
        self.pos += struct.calcsize(fmt)
        return vals if len(vals) > 1 else vals[0]

    def int8(self) -> int:
        return self.take(">b")

    def int16(self) -> int:
        return self.take(">h")

    def int32(self) -> int:
        return self.take(">i")

    def int64(self) -> int:
        return self.take(">q")

    def string(self) -> str | None:
        n = self.int16()
        if n < 0:
            return None
        s = self.buf[self.pos : self.pos + n].decode()
        self.pos += n
        return s

    def uvarint(self) -> int:
        v, self.pos = read_uvarint(self.buf, self.pos)
        return v

    def compact_string(self) -> str | None:
        n = self.uvarint()
        if n == 0:
            return None
        s = self.buf[self.pos : self.pos + n - 1].decode()
        self.pos += n - 1
        return s

    def skip_tagged(self) -> None:
        for _ in range(self.uvarint()):
            self.uvarint()  # tag
            size = self.uvarint()
            self.pos += size

    def remaining(self) -> int:
        return len(self.buf) - self.pos


def decode_api_versions_v0(payload: bytes) -> tuple[int, dict[int, tuple[int, int]]]:
    """ApiVersions response v0 body: error_code, [api_key, min, max]."""
    r = Reader(payload)
    err = r.int16()
    n = r.int32()
    assert 0 <= n <= 1000, f"implausible api_keys count {n}"
    apis = {}
    for _ in range(n):
        key, lo, hi = r.take(">hhh")
        apis[key] = (lo, hi)
    return err, apis


def api_versions(conn: Conn) -> dict[int, tuple[int, int]]:
    err, apis = decode_api_versions_v0(conn.request(API_API_VERSIONS, 0, b"", correlation_id=7))
    assert err == 0, f"ApiVersions v0 error {err}"
    return apis


# --- Produce (v3..v8 share the non-flexible request layout)


def produce_request_body(topic: str, partition: int, records: bytes, acks: int = 1,
                         timeout_ms: int = 10000) -> bytes:
    return (
        kstring(None)  # transactional_id
        + struct.pack(">hi", acks, timeout_ms)
        + struct.pack(">i", 1)
        + kstring(topic)
        + struct.pack(">i", 1)
        + struct.pack(">i", partition)
        + kbytes(records)
    )


@dataclass
class ProducePartitionResult:
    topic: str
    partition: int
    error_code: int
    base_offset: int
    record_errors: list[tuple[int, str | None]] = field(default_factory=list)  # v8+
    error_message: str | None = None  # v8+


def decode_produce_response(payload: bytes, version: int) -> list[ProducePartitionResult]:
    assert 2 <= version <= 8
    r = Reader(payload)
    out = []
    for _ in range(r.int32()):
        topic = r.string()
        for _ in range(r.int32()):
            part = r.int32()
            err = r.int16()
            base = r.int64()
            r.int64()  # log_append_time_ms (v2+)
            if version >= 5:
                r.int64()  # log_start_offset
            result = ProducePartitionResult(topic, part, err, base)
            if version >= 8:
                for _ in range(r.int32()):
                    result.record_errors.append((r.int32(), r.string()))
                result.error_message = r.string()
            out.append(result)
    return out


def pick_version(apis: dict[int, tuple[int, int]], key: int, lo: int, hi: int) -> int | None:
    """Highest version in [lo, hi] that the broker advertises for `key`."""
    if key not in apis:
        return None
    blo, bhi = apis[key]
    best = min(hi, bhi)
    return best if best >= max(lo, blo) else None


def produce(conn: Conn, topic: str, partition: int, records: bytes, acks: int = 1,
            version: int | None = None) -> ProducePartitionResult:
    if version is None:
        version = pick_version(api_versions(conn), API_PRODUCE, 3, 8)
        assert version is not None, "broker advertises no Produce version in 3..8"
    payload = conn.request(API_PRODUCE, version, produce_request_body(topic, partition, records, acks),
                           correlation_id=11)
    results = decode_produce_response(payload, version)
    assert len(results) == 1, results
    return results[0]


# --- CreateTopics v0..v5


def create_topics_body(name: str, partitions: int, replication: int, version: int,
                       validate_only: bool = False, timeout_ms: int = 10000) -> bytes:
    if version <= 4:
        body = struct.pack(">i", 1) + kstring(name) + struct.pack(">ih", partitions, replication)
        body += struct.pack(">i", 0)  # assignments
        body += struct.pack(">i", 0)  # configs
        body += struct.pack(">i", timeout_ms)
        if version >= 1:
            body += struct.pack(">?", validate_only)
        return body
    # flexible (v5+): compact arrays/strings and tagged fields
    body = uvarint(2) + compact_string(name) + struct.pack(">ih", partitions, replication)
    body += uvarint(1)  # assignments: empty compact array
    body += uvarint(1)  # configs: empty compact array
    body += uvarint(0)  # topic tagged fields
    body += struct.pack(">i?", timeout_ms, validate_only)
    body += uvarint(0)
    return body


def decode_create_topics_response(payload: bytes, version: int) -> list[tuple[str, int, str | None]]:
    r = Reader(payload)
    out = []
    if version >= 5:
        r.skip_tagged()  # response header v1
        r.int32()  # throttle
        n = r.uvarint() - 1
        for _ in range(n):
            name = r.compact_string()
            if version >= 7:
                r.pos += 16  # topic id
            err = r.int16()
            msg = r.compact_string()
            # The rest of the entry (num_partitions, replication, configs, tagged fields) is
            # not needed; only one topic is ever requested.
            out.append((name, err, msg))
            break
        return out
    if version >= 2:
        r.int32()  # throttle
    for _ in range(r.int32()):
        name = r.string()
        err = r.int16()
        msg = r.string() if version >= 1 else None
        out.append((name, err, msg))
    return out


def create_topic_raw(conn: Conn, name: str, partitions: int = 1, replication: int = 1,
                     validate_only: bool = False) -> tuple[int, str | None]:
    apis = api_versions(conn)
    version = pick_version(apis, API_CREATE_TOPICS, 0, 7)
    assert version is not None, "broker advertises no CreateTopics version"
    flexible = version >= 5
    body = create_topics_body(name, partitions, replication, version, validate_only)
    if version >= 7:
        pass  # request layout is unchanged from v5 (topic id appears only in the response)
    payload = conn.request(API_CREATE_TOPICS, version, body, correlation_id=21, flexible=flexible)
    res = decode_create_topics_response(payload, version)
    assert len(res) == 1, res
    return res[0][1], res[0][2]


# --- Fetch v4 (the lowest version Gregor serves; non-flexible)


def fetch_v4_body(topic: str, partition: int, offset: int, max_wait_ms: int = 100, min_bytes: int = 1,
                  max_bytes: int = 1 << 20, partition_max_bytes: int = 1 << 20) -> bytes:
    return (
        struct.pack(">iiiib", -1, max_wait_ms, min_bytes, max_bytes, 0)
        + struct.pack(">i", 1)
        + kstring(topic)
        + struct.pack(">i", 1)
        + struct.pack(">iqi", partition, offset, partition_max_bytes)
    )


@dataclass
class FetchPartitionResult:
    partition: int
    error_code: int
    high_watermark: int
    records_size: int  # -1 for a null records field
    records: bytes


def decode_fetch_v4_response(payload: bytes) -> list[FetchPartitionResult]:
    r = Reader(payload)
    r.int32()  # throttle
    out = []
    for _ in range(r.int32()):
        r.string()
        for _ in range(r.int32()):
            part = r.int32()
            err = r.int16()
            hw = r.int64()
            r.int64()  # last_stable_offset
            n_aborted = r.int32()
            for _ in range(max(0, n_aborted)):
                r.int64()
                r.int64()
            size = r.int32()
            data = b""
            if size > 0:
                data = r.buf[r.pos : r.pos + size]
                r.pos += size
            out.append(FetchPartitionResult(part, err, hw, size, data))
    return out
