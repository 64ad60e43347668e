"""Crash safety and start-up behaviour: kill -9, torn tails, corrupt batches, clean shutdown,
bad configuration."""

from __future__ import annotations

import os
import signal
import subprocess
import time
from pathlib import Path

import pytest

import kafka_wire as w
from systest_helpers import (
    USR_PYTHON,
    consume_partition,
    create_topic,
    make_producer,
    produce_sync,
    unique_topic,
)

HERE = Path(__file__).resolve().parent


def produce_n(bootstrap: str, topic: str, n: int, prefix: str = "r", start: int = 0, one_per_batch=False):
    p = make_producer(bootstrap, acks="all", **({"linger.ms": 0} if one_per_batch else {}))
    reports = []
    for i in range(start, start + n):
        p.produce(topic, key=f"{prefix}{i}".encode(), value=f"{prefix}-value-{i}".encode(), partition=0,
                  on_delivery=lambda err, msg: reports.append((err, msg.offset())))
        if one_per_batch:
            assert p.flush(20) == 0
    assert p.flush(20) == 0
    assert all(err is None for err, _ in reports), reports[:5]
    return sorted(o for _, o in reports)


def check_records(msgs, prefix: str, n: int, start: int = 0):
    got = [(m.offset(), m.key(), m.value()) for m in msgs]
    want = [(i, f"{prefix}{i}".encode(), f"{prefix}-value-{i}".encode()) for i in range(start, start + n)]
    assert got == want


# ----------------------------------------------------------------------- (a) kill -9 mid-stream


def test_kill9_during_acks_all_stream_keeps_every_acked_record(broker, tmp_path):
    kill9_during_stream(broker, tmp_path)


@pytest.mark.broker_config({"log.segment.bytes": "65536", "log.index.interval.bytes": "1024"})
def test_kill9_during_stream_with_segment_rolls(broker, tmp_path):
    kill9_during_stream(broker, tmp_path)
    assert len(list(broker.log_dir.glob("k9-*-0/*.log"))) > 3


def kill9_during_stream(broker, tmp_path):
    topic = unique_topic("k9")
    create_topic(broker.bootstrap, topic, 1)
    acked_file = tmp_path / "acked.txt"
    acked_file.write_text("")
    prod = subprocess.Popen(
        [USR_PYTHON, str(HERE / "acked_producer.py"), broker.bootstrap, topic, str(acked_file), "60"],
        stdout=subprocess.DEVNULL,
        stderr=open(tmp_path / "producer.stderr", "wb"),
    )
    try:
        # wait (bounded) for the stream to be flowing, then ~2 s more, then pull the plug
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline and len(acked_file.read_text().splitlines()) < 50:
            assert prod.poll() is None, (tmp_path / "producer.stderr").read_text()
            time.sleep(0.1)
        assert len(acked_file.read_text().splitlines()) >= 50, "producer never got going"
        time.sleep(2.0)
        assert broker.kill9() == -signal.SIGKILL
        time.sleep(1.0)  # let in-flight delivery reports (failures) arrive
    finally:
        if prod.poll() is None:
            os.kill(prod.pid, signal.SIGKILL)
        prod.wait(timeout=10)

    acked = {}
    for line in acked_file.read_text().splitlines():
        parts = line.split()
        if len(parts) != 3:
            continue  # a line being written when the producer was killed
        seq, part, off = map(int, parts)
        acked[seq] = off
    assert len(acked) >= 50

    broker.start()
    msgs = consume_partition(broker.bootstrap, topic, 0, expected=max(acked.values()) + 1, timeout=60)
    by_seq: dict[int, list] = {}
    for m in msgs:
        seq = int(m.key())
        by_seq.setdefault(seq, []).append(m)
        assert m.value() == f"seq-{seq:09d}-".encode() + b"." * 80, f"record {m.offset()} damaged"
    missing = [s for s in acked if s not in by_seq]
    assert not missing, f"{len(missing)} acknowledged records lost, e.g. {sorted(missing)[:10]}"
    dups = [s for s in acked if len(by_seq[s]) != 1]
    assert not dups, f"acknowledged records stored more than once: {dups[:10]}"
    for seq, off in acked.items():
        assert by_seq[seq][0].offset() == off, f"seq {seq} acked at offset {off}, found at {by_seq[seq][0].offset()}"
    offsets = [m.offset() for m in msgs]
    assert offsets == list(range(len(msgs))), "offsets are not dense from 0"
    acked_in_log_order = [int(m.key()) for m in msgs if int(m.key()) in acked]
    assert acked_in_log_order == sorted(acked), "acknowledged records are out of order"
    # the log keeps going where recovery ended
    p = make_producer(broker.bootstrap, acks="all")
    err, msg = produce_sync(p, topic, b"after-restart", key=b"-1", partition=0)
    assert err is None and msg.offset() == len(msgs), (err, msg.offset(), len(msgs))
    print(f"kill -9 stream: {len(acked)} acknowledged, {len(msgs)} stored after recovery")


# ----------------------------------------------------------------------- (b) torn tail


@pytest.mark.parametrize("garbage", ["half_batch", "random_bytes", "zeros"])
def test_torn_tail_is_truncated_on_restart(broker, garbage):
    topic = unique_topic("torn")
    create_topic(broker.bootstrap, topic, 1)
    produce_n(broker.bootstrap, topic, 20, one_per_batch=True)
    broker.kill9()
    seg = broker.active_segment(topic)
    batches = w.scan_batches(seg.read_bytes())
    assert sum(b.record_count for b in batches) == 20 and all(b.crc_ok for b in batches)
    full = w.build_record_batch([w.Record(b"torn", b"T" * 200) for _ in range(5)], base_offset=20)
    tail = {
        "half_batch": full[: len(full) // 2],
        "random_bytes": os.urandom(777),
        "zeros": b"\x00" * 300,
    }[garbage]
    with open(seg, "ab") as f:
        f.write(tail)
    broker.start()
    msgs = consume_partition(broker.bootstrap, topic, 0, expected=20)
    check_records(msgs, "r", 20)
    p = make_producer(broker.bootstrap, acks="all")
    err, msg = produce_sync(p, topic, b"r-value-20", key=b"r20", partition=0)
    assert err is None, err
    assert msg.offset() == 20, f"produce after recovery landed at offset {msg.offset()}"
    msgs = consume_partition(broker.bootstrap, topic, 0, expected=21)
    check_records(msgs, "r", 21)
    # on disk: only intact batches holding the 21 records, none of the garbage
    stored = 0
    for log in sorted(broker.partition_dir(topic).glob("*.log")):
        data = log.read_bytes()
        assert b"T" * 100 not in data
        batches = w.scan_batches(data)
        assert all(b.crc_ok for b in batches)
        stored += sum(b.record_count for b in batches)
    assert stored == 21


# ----------------------------------------------------------------------- (c) corrupt last batch


def test_flipped_byte_in_last_batch_is_not_served(broker):
    topic = unique_topic("flip")
    create_topic(broker.bootstrap, topic, 1)
    produce_n(broker.bootstrap, topic, 10)
    p = make_producer(broker.bootstrap, acks="all")
    marker = b"LAST-BATCH-" + b"Q" * 64
    err, msg = produce_sync(p, topic, marker, key=b"last", partition=0)
    assert err is None and msg.offset() == 10
    broker.kill9()
    seg = broker.active_segment(topic)
    data = bytearray(seg.read_bytes())
    batches = w.scan_batches(bytes(data))
    last = batches[-1]
    assert last.base_offset == 10 and last.position + last.length == len(data)
    pos = data.rfind(marker)
    assert pos > last.position, "marker not found in the last batch"
    data[pos + 20] ^= 0x01
    seg.write_bytes(bytes(data))
    broker.start()
    msgs = consume_partition(broker.bootstrap, topic, 0, expected=10)
    check_records(msgs, "r", 10)
    assert all(m.key() != b"last" for m in msgs), "the corrupt batch was served"
    p2 = make_producer(broker.bootstrap, acks="all")
    err, msg = produce_sync(p2, topic, b"after", key=b"after", partition=0)
    assert err is None and msg.offset() == 10, (err, msg.offset())
    msgs = consume_partition(broker.bootstrap, topic, 0, expected=11)
    assert [m.key() for m in msgs][-1] == b"after"
    assert len(msgs) == 11


# ----------------------------------------------------------------------- (d) SIGTERM


def test_sigterm_clean_shutdown_and_restart(broker):
    topic = unique_topic("term")
    create_topic(broker.bootstrap, topic, 2)
    produce_n(broker.bootstrap, topic, 50)
    rc = broker.stop(signal.SIGTERM)
    assert rc == 0, f"exit code {rc}; stderr:\n{broker.stderr_text()[-3000:]}"
    assert (broker.log_dir / ".kafka_cleanshutdown").exists(), list(broker.log_dir.iterdir())
    broker.start()
    msgs = consume_partition(broker.bootstrap, topic, 0, expected=50)
    check_records(msgs, "r", 50)
    assert consume_partition(broker.bootstrap, topic, 1) == []
    produce_n(broker.bootstrap, topic, 5, start=50)
    msgs = consume_partition(broker.bootstrap, topic, 0, expected=55)
    check_records(msgs, "r", 55)
    assert broker.stop(signal.SIGTERM) == 0


def test_sigint_also_shuts_down_cleanly(broker):
    assert broker.stop(signal.SIGINT) == 0, broker.stderr_text()[-3000:]
    assert (broker.log_dir / ".kafka_cleanshutdown").exists()


# ----------------------------------------------------------------------- (e) configuration


@pytest.mark.parametrize(
    "key,value",
    [
        ("num.partitions", "abc"),
        ("num.partitions", "12abc"),
        ("message.max.bytes", "99999999999999999999"),
        ("auto.create.topics.enable", "maybe"),
        ("log.segment.bytes", ""),
        ("offsets.topic.segment.bytes", "13"),
        ("offsets.topic.segment.bytes", "2147483648"),
    ],
)
def test_bad_config_value_fails_with_one_line(broker_factory, key, value):
    b = broker_factory({key: value}, start=False)
    proc = b.launch()
    try:
        rc = proc.wait(timeout=15)
    except subprocess.TimeoutExpired:
        pytest.fail(f"broker started despite {key}={value!r}; stderr:\n{b.stderr_text()[-2000:]}")
    lines = [ln for ln in b.stderr_text().splitlines() if ln.strip()]
    assert rc != 0
    assert rc == 1, f"exit code {rc}, expected 1"
    assert len(lines) == 1, f"expected one stderr line, got {len(lines)}:\n" + "\n".join(lines[:20])
    assert key in lines[0], lines[0]


def test_bad_config_via_override_flag(broker_factory):
    b = broker_factory(start=False)
    proc = b.launch(["--override", "num.partitions=abc"])
    rc = proc.wait(timeout=15)
    lines = [ln for ln in b.stderr_text().splitlines() if ln.strip()]
    assert rc == 1 and len(lines) == 1 and "num.partitions" in lines[0], (rc, lines[:10])


def test_override_flag_takes_effect(broker_factory):
    b = broker_factory(start=False)
    b.start(["--override", "num.partitions=4"])
    topic = unique_topic("ovr")
    p = make_producer(b.bootstrap)
    err, _ = produce_sync(p, topic, b"x", partition=0)  # auto-created with num.partitions
    assert err is None, err
    from systest_helpers import wait_topic_metadata

    wait_topic_metadata(b.bootstrap, topic, 4)


def test_unknown_config_key_is_ignored_with_warning(broker_factory):
    b = broker_factory({"gregor.no.such.setting": "17"})
    assert b.alive()
    p = make_producer(b.bootstrap)
    err, _ = produce_sync(p, unique_topic("unk"), b"x", partition=0)
    assert err is None, err
    assert "gregor.no.such.setting" in b.stderr_text(), b.stderr_text()[-2000:]


def test_missing_config_file(broker_factory, tmp_path):
    b = broker_factory(start=False)
    b.config_path = tmp_path / "does-not-exist.properties"
    proc = subprocess.Popen([b.binary, "--config", str(b.config_path)], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE)
    try:
        _, err = proc.communicate(timeout=15)
    except subprocess.TimeoutExpired:
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(timeout=10)
        pytest.fail("broker started without a config file")
    assert proc.returncode != 0
    assert err.strip(), "no error message"


def test_crash_after_a_clean_restart_still_recovers(broker):
    """The clean-shutdown marker must not outlive the next start: a later kill -9 has to be
    treated as unclean (torn tail truncated), as Kafka does by deleting the marker at start-up."""
    topic = unique_topic("cc")
    create_topic(broker.bootstrap, topic, 1)
    produce_n(broker.bootstrap, topic, 5, one_per_batch=True)
    assert broker.stop(signal.SIGTERM) == 0
    assert (broker.log_dir / ".kafka_cleanshutdown").exists()
    broker.start()
    produce_n(broker.bootstrap, topic, 5, start=5, one_per_batch=True)
    broker.kill9()
    seg = broker.active_segment(topic)
    full = w.build_record_batch([w.Record(b"torn", b"T" * 300)], base_offset=10)
    with open(seg, "ab") as f:
        f.write(full[: len(full) // 2])
    broker.start()
    msgs = consume_partition(broker.bootstrap, topic, 0, expected=10)
    check_records(msgs, "r", 10)
    p = make_producer(broker.bootstrap, acks="all")
    err, msg = produce_sync(p, topic, b"r-value-10", key=b"r10", partition=0)
    assert err is None and msg.offset() == 10, (err, msg.offset())
    check_records(consume_partition(broker.bootstrap, topic, 0, expected=11), "r", 11)
    # What each start said of the log directory: an operator reads a crash from it.
    said = [next((line.split("loaded: ", 1)[1] for line in path.read_text().splitlines()
                  if "log directory" in line and "loaded: " in line), None)
            for path in broker.stderr_paths()]
    assert said == ["0 logs, a new directory", "1 log, clean shutdown",
                    "1 log, unclean shutdown, recovered"], said


def test_created_partitions_survive_restart(broker):
    from confluent_kafka.admin import AdminClient, NewPartitions

    from systest_helpers import wait_topic_metadata

    topic = unique_topic("cpr")
    create_topic(broker.bootstrap, topic, 1)
    a = AdminClient({"bootstrap.servers": broker.bootstrap})
    a.create_partitions([NewPartitions(topic, 4)], operation_timeout=15, request_timeout=15)[topic].result(timeout=15)
    wait_topic_metadata(broker.bootstrap, topic, 4)
    p = make_producer(broker.bootstrap, acks="all", **{"topic.metadata.refresh.interval.ms": 500})
    err, msg = produce_sync(p, topic, b"p3", partition=3)
    assert err is None, err
    broker.kill9()
    broker.start()
    wait_topic_metadata(broker.bootstrap, topic, 4)
    assert [m.value() for m in consume_partition(broker.bootstrap, topic, 3, expected=1)] == [b"p3"]
