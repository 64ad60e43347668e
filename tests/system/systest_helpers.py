"""Client-side helpers shared by the system tests (confluent-kafka based, bounded waits)."""

from __future__ import annotations

import socket
import subprocess
import time
import uuid


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def unique_topic(prefix: str = "t") -> str:
    return f"{prefix}-{uuid.uuid4().hex[:10]}"


def wait_for(predicate, timeout: float = 20.0, what: str = "condition") -> None:
    """Polls `predicate` every 0.2 s until it is true; AssertionError after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.2)
    raise AssertionError(f"timed out waiting for {what}")


# --------------------------------------------------------------------- client helpers

USR_PYTHON = "/usr/bin/python3"


def _ck():
    import confluent_kafka

    return confluent_kafka


def admin_client(bootstrap: str):
    from confluent_kafka.admin import AdminClient

    return AdminClient({"bootstrap.servers": bootstrap})


def create_topic(bootstrap: str, topic: str, partitions: int = 1, timeout: float = 15.0,
                 replication_factor: int = 1, **topic_config) -> None:
    from confluent_kafka.admin import AdminClient, NewTopic

    admin = AdminClient({"bootstrap.servers": bootstrap})
    fs = admin.create_topics(
        [NewTopic(topic, num_partitions=partitions, replication_factor=replication_factor,
                  config=topic_config)],
        request_timeout=timeout,
        operation_timeout=timeout,
    )
    fs[topic].result(timeout=timeout)
    wait_topic_metadata(bootstrap, topic, partitions, timeout)


def wait_topic_metadata(bootstrap: str, topic: str, partitions: int, timeout: float = 15.0) -> None:
    from confluent_kafka.admin import AdminClient

    admin = AdminClient({"bootstrap.servers": bootstrap})
    deadline = time.monotonic() + timeout
    md = None
    while time.monotonic() < deadline:
        md = admin.list_topics(topic=topic, timeout=5)
        t = md.topics.get(topic)
        if t is not None and t.error is None and len(t.partitions) == partitions:
            return
        time.sleep(0.2)
    raise AssertionError(f"topic {topic} did not show {partitions} partitions in metadata: {md and md.topics}")


def error_name(err) -> str | None:
    """A KafkaError (of a delivery report, a committed offset) as its name ("NOT_ENOUGH_REPLICAS"),
    None for none.
    Tests compare names, never KafkaError objects: this binding's KafkaError compares itself with
    anything not an int or a KafkaError by leaving a TypeError pending and answering as if it were
    error -1, so `[KafkaError(UNKNOWN)] == [None]` is True and the TypeError surfaces later, in
    unrelated code."""
    return None if err is None else err.name()


def make_producer(bootstrap: str, **conf):
    ck = _ck()
    base = {
        "bootstrap.servers": bootstrap,
        "linger.ms": 5,
        "message.timeout.ms": 20000,
        "socket.timeout.ms": 10000,
    }
    base.update(conf)
    return ck.Producer(base)


def produce_sync(producer, topic: str, value, key=None, partition: int = -1, timeout: float = 20.0, **kw):
    """Produce one record and wait for its delivery report; returns the delivered Message."""
    box = {}

    def cb(err, msg):
        box["err"], box["msg"] = err, msg

    if partition >= 0:
        kw["partition"] = partition
    producer.produce(topic, value=value, key=key, on_delivery=cb, **kw)
    remaining = producer.flush(timeout)
    assert remaining == 0, f"{remaining} record(s) still undelivered after {timeout}s"
    assert "msg" in box, "no delivery report"
    return box["err"], box["msg"]


def make_consumer(bootstrap: str, **conf):
    ck = _ck()
    base = {
        "bootstrap.servers": bootstrap,
        "group.id": "systest-unused",  # librdkafka requires one; never used without subscribe/commit
        "enable.auto.commit": False,
        "enable.auto.offset.store": False,
        "enable.partition.eof": True,
        "auto.offset.reset": "earliest",
        "socket.timeout.ms": 10000,
        "fetch.wait.max.ms": 100,
    }
    base.update(conf)
    return ck.Consumer(base)


def consume_partition(bootstrap: str, topic: str, partition: int = 0, start=None, expected: int | None = None,
                      timeout: float = 20.0, consumer=None):
    """Read `topic`/`partition` from `start` (default OFFSET_BEGINNING) until end-of-partition was
    reached (and, when `expected` is given, at least `expected` records were read), bounded by
    `timeout`. Returns the list of Messages."""
    ck = _ck()
    own = consumer is None
    c = consumer or make_consumer(bootstrap)
    try:
        c.assign([ck.TopicPartition(topic, partition, ck.OFFSET_BEGINNING if start is None else start)])
        out = []
        errors = []
        eof = False
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            m = c.poll(0.5)
            if m is None:
                continue
            if m.error():
                if m.error().code() == ck.KafkaError._PARTITION_EOF:
                    eof = True
                    if expected is None or len(out) >= expected:
                        break
                    continue
                errors.append(m.error())
                if m.error().fatal():
                    break
                continue
            eof = False
            out.append(m)
        if not eof or (expected is not None and len(out) < expected):
            raise AssertionError(
                f"consume {topic}[{partition}]: got {len(out)} records (expected {expected}), eof={eof}, "
                f"errors={errors[:5]}"
            )
        return out
    finally:
        if own:
            c.close()


def run_cmd(args: list[str], timeout: float = 30.0, input: bytes | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(args, input=input, capture_output=True, timeout=timeout)


CODEC_IDS = {"none": 0, "gzip": 1, "snappy": 2, "lz4": 3, "zstd": 4}


def stored_codecs(broker, topic: str, partition: int = 0) -> set[int]:
    """Compression codec ids (attributes & 7) of every batch stored on disk for a partition."""
    import kafka_wire

    codecs = set()
    for log in sorted(broker.partition_dir(topic, partition).glob("*.log")):
        data = log.read_bytes()
        for b in kafka_wire.scan_batches(data):
            codecs.add(int.from_bytes(data[b.position + 21 : b.position + 23], "big") & 7)
    return codecs


def read_lines_then_interrupt(proc: subprocess.Popen, count: int, timeout: float = 60.0) -> list[str]:
    """Reads `count` lines of a console consumer's stdout (text mode), then stops it with Ctrl-C
    (SIGINT), as a user ends one, and checks that it exits 0. The reads are bounded: the process
    is killed if the lines do not come within `timeout`."""
    import signal
    import threading

    guard = threading.Timer(timeout, proc.kill)
    guard.start()
    try:
        return [proc.stdout.readline() for _ in range(count)]
    finally:
        guard.cancel()
        proc.send_signal(signal.SIGINT)
        assert proc.wait(timeout=30) == 0, proc.stderr.read()
