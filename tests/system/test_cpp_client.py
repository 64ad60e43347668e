"""librdkafka C++ API round trip (tests/clients/rdkafka_roundtrip.cc) for every codec."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from systest_helpers import CODEC_IDS, create_topic, run_cmd, stored_codecs, unique_topic

REPO = Path(__file__).resolve().parents[2]


def find_client() -> str | None:
    env = os.environ.get("RDKAFKA_ROUNDTRIP_BIN")
    if env:
        return env
    gregor_bin = os.environ.get("GREGOR_BIN")
    candidates = []
    if gregor_bin:
        candidates.append(Path(gregor_bin).parent / "rdkafka_roundtrip")
    candidates += [REPO / "build" / "bin" / "rdkafka_roundtrip", Path("/work/build-systest/bin/rdkafka_roundtrip")]
    for c in candidates:
        if c.is_file() and os.access(c, os.X_OK):
            return str(c)
    return None


CLIENT = find_client()
pytestmark = pytest.mark.skipif(
    CLIENT is None,
    reason="rdkafka_roundtrip not built (build target rdkafka_roundtrip or set RDKAFKA_ROUNDTRIP_BIN)",
)


def run_roundtrip(broker, topic: str, count: int, codec: str, acks: str = "all") -> dict:
    res = run_cmd([CLIENT, broker.bootstrap, topic, str(count), codec, acks], timeout=90)
    out = res.stdout.decode().strip().splitlines()
    assert out, f"no output; rc={res.returncode} stderr={res.stderr.decode()[-2000:]}"
    summary = json.loads(out[-1])
    assert res.returncode == 0 and summary["ok"], (
        f"rc={res.returncode} summary={summary}\nclient stderr: {res.stderr.decode()[-2000:]}\n"
        f"broker stderr: {broker.stderr_text()[-2000:]}"
    )
    return summary


@pytest.mark.parametrize("codec", ["none", "gzip", "snappy", "lz4", "zstd"])
def test_cpp_roundtrip(module_broker, codec):
    topic = unique_topic(f"cpp-{codec}")
    create_topic(module_broker.bootstrap, topic, 1)
    s = run_roundtrip(module_broker, topic, 2000, codec)
    assert s["produced"] == s["delivered"] == s["consumed"] == 2000
    assert s["mismatches"] == 0
    codecs = stored_codecs(module_broker, topic, 0)
    assert CODEC_IDS[codec] in codecs, f"codecs on disk {codecs}: the client did not use {codec}"


def test_cpp_roundtrip_acks1_autocreate(module_broker):
    # no CreateTopics first: the producer's metadata request auto-creates the topic
    topic = unique_topic("cpp-auto")
    s = run_roundtrip(module_broker, topic, 500, "lz4", acks="1")
    assert s["consumed"] == 500
