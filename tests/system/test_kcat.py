"""kcat (librdkafka 2.0.2 command-line client) against a real broker."""

from __future__ import annotations

import json
import shutil

import pytest

import kafka_wire
from systest_helpers import CODEC_IDS, run_cmd, stored_codecs, unique_topic, wait_topic_metadata

pytestmark = pytest.mark.skipif(shutil.which("kcat") is None, reason="kcat is not installed")

def kcat(broker, *args, input: bytes | None = None, timeout: float = 30.0):
    res = run_cmd(["kcat", "-b", broker.bootstrap, "-m", "10", *args], timeout=timeout, input=input)
    assert res.returncode == 0, (
        f"kcat {' '.join(args)} exited {res.returncode}\nstdout: {res.stdout[-2000:]!r}\n"
        f"stderr: {res.stderr[-2000:]!r}\nbroker stderr:\n{broker.stderr_text()[-3000:]}"
    )
    return res


def kcat_consume(broker, topic: str, fmt: str, timeout: float = 30.0) -> list[str]:
    res = kcat(broker, "-C", "-t", topic, "-o", "beginning", "-e", "-q", "-f", fmt, timeout=timeout)
    return res.stdout.decode().splitlines()


def test_metadata_lists_broker(broker):
    res = kcat(broker, "-L", "-J")
    md = json.loads(res.stdout)
    names = [b["name"] for b in md["brokers"]]
    assert names == [f"127.0.0.1:{broker.port}"], md
    assert md["brokers"][0]["id"] == 0
    text = kcat(broker, "-L").stdout.decode()
    assert f"broker 0 at 127.0.0.1:{broker.port}" in text, text


@pytest.mark.broker_config({"num.partitions": "3"})
def test_auto_created_topic_is_listed(broker):
    topic = unique_topic("auto")
    # Producing to an unknown topic makes librdkafka ask for it with allow_auto_topic_creation.
    kcat(broker, "-P", "-t", topic, "-p", "0", input=b"hello\n")
    wait_topic_metadata(broker.bootstrap, topic, 3)
    md = json.loads(kcat(broker, "-L", "-J", "-t", topic).stdout)
    topics = {t["topic"]: t for t in md["topics"]}
    assert topic in topics, md
    t = topics[topic]
    assert "error" not in t or not t["error"], t
    parts = sorted(p["partition"] for p in t["partitions"])
    assert parts == [0, 1, 2], t  # num.partitions=3 applies to auto-created topics
    for p in t["partitions"]:
        assert p["leader"] == 0, p
    # and the full listing contains it too
    md_all = json.loads(kcat(broker, "-L", "-J").stdout)
    assert topic in {t["topic"] for t in md_all["topics"]}, md_all


def test_produce_keys_headers_and_consume(broker):
    topic = unique_topic("kh")
    lines = [f"key{i}:value {i} with some text" for i in range(20)]
    kcat(broker, "-P", "-t", topic, "-p", "0", "-K:", "-H", "h1=v1", "-H", "trace=abc",
         input=("\n".join(lines) + "\n").encode())
    out = kcat_consume(broker, topic, "%k|%s|%o|%p|%h\\n")
    assert len(out) == 20, out
    for i, line in enumerate(out):
        key, value, offset, partition, headers = line.split("|")
        assert key == f"key{i}"
        assert value == f"value {i} with some text"
        assert int(offset) == i
        assert int(partition) == 0
        assert headers == "h1=v1,trace=abc", line


def test_json_envelope_timestamps(broker):
    topic = unique_topic("js")
    kcat(broker, "-P", "-t", topic, "-p", "0", "-K:", input=b"a:1\nb:2\n")
    res = kcat(broker, "-C", "-t", topic, "-o", "beginning", "-e", "-q", "-J")
    msgs = [json.loads(line) for line in res.stdout.decode().splitlines()]
    assert [(m["key"], m["payload"], m["offset"]) for m in msgs] == [("a", "1", 0), ("b", "2", 1)], msgs
    for m in msgs:
        assert m["tstype"] == "create", m
        assert m["ts"] > 1_600_000_000_000, m


@pytest.mark.parametrize("codec", ["gzip", "snappy", "lz4", "zstd"])
def test_compression_codec_roundtrip(broker, codec):
    topic = unique_topic(codec)
    n = 300
    lines = [f"k{i}:{codec} payload number {i:05d} " + "x" * 40 for i in range(n)]
    kcat(broker, "-P", "-t", topic, "-p", "0", "-z", codec, "-K:", "-X", "linger.ms=50",
         input=("\n".join(lines) + "\n").encode())
    out = kcat_consume(broker, topic, "%k:%s|%o\\n")
    assert len(out) == n, f"got {len(out)} of {n}"
    for i, line in enumerate(out):
        rec, offset = line.rsplit("|", 1)
        assert rec == lines[i]
        assert int(offset) == i
    # The broker stores batches as they arrived: at least one batch on disk carries the codec
    # (librdkafka silently sends uncompressed when it believes the broker lacks the codec).
    data = broker.active_segment(topic, 0).read_bytes()
    batches = kafka_wire.scan_batches(data)
    assert batches, "no batches found in the segment"
    assert all(b.crc_ok for b in batches), "a stored batch has a bad CRC"
    assert sum(b.last_offset_delta + 1 for b in batches) == n
    codecs = stored_codecs(broker, topic, 0)
    assert CODEC_IDS[codec] in codecs, f"codecs on disk {codecs}"
