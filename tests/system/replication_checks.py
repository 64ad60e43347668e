"""Observers for the failover tests: a producer process that records what was acknowledged,
consumers that record what they saw, and readers of the final log (through a consumer, and file by
file on each replica with `gregor log dump`)."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import threading
from pathlib import Path

from acked_producer import value_for
from systest_helpers import USR_PYTHON, consume_partition, make_consumer, run_cmd, wait_for

HERE = Path(__file__).resolve().parent
GREGOR_CLI = Path(os.environ.get("GREGOR_BUILD", HERE.parents[1] / "build")) / "bin" / "gregor"


class AckedProducer:
    """acked_producer.py as a child process; `acked()` is what it had acknowledged so far."""

    def __init__(self, workdir: Path, bootstrap: str, topic: str, partitions: int, max_seconds: int,
                 rate: int = 500):
        self.path = workdir / f"acked-{topic}.txt"
        self.path.write_text("")
        self.stderr_path = workdir / f"producer-{topic}.stderr"
        with open(self.stderr_path, "wb") as err:
            self.proc = subprocess.Popen(
                [USR_PYTHON, str(HERE / "acked_producer.py"), bootstrap, topic, str(self.path),
                 str(max_seconds), str(partitions), str(rate)],
                stdout=subprocess.DEVNULL, stderr=err)

    def acked(self) -> list[tuple[int, int, int]]:
        """(seq, partition, offset) in acknowledgement order; a torn last line is skipped."""
        rows = []
        for line in self.path.read_text().splitlines():
            fields = line.split()
            if len(fields) == 3:
                rows.append(tuple(int(f) for f in fields))
        return rows

    def wait_progress(self, more: int, timeout: float = 30.0) -> None:
        target = len(self.acked()) + more
        wait_for(lambda: len(self.acked()) >= target, timeout, f"{more} more acknowledged records")

    def stop(self) -> None:
        if self.proc.poll() is None:
            os.kill(self.proc.pid, signal.SIGKILL)
        self.proc.wait(timeout=10)


class RecordingConsumer:
    """A consumer thread assigned to every partition from the start, keeping (partition, offset,
    value) of each record it is given, until stop()."""

    def __init__(self, bootstrap: str, topic: str, partitions: int, isolation: str):
        from confluent_kafka import OFFSET_BEGINNING, TopicPartition

        self.seen: list[tuple[int, int, bytes]] = []
        self._stopping = threading.Event()
        self._consumer = make_consumer(bootstrap, **{"isolation.level": isolation,
                                                     "enable.partition.eof": False})
        self._consumer.assign([TopicPartition(topic, p, OFFSET_BEGINNING) for p in range(partitions)])
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._stopping.is_set():
            message = self._consumer.poll(0.2)
            if message is not None and message.error() is None:
                self.seen.append((message.partition(), message.offset(), message.value()))

    def stop(self) -> None:
        self._stopping.set()
        self._thread.join(timeout=15)
        self._consumer.close()


def final_log(bootstrap: str, topic: str, partition: int) -> dict[int, bytes]:
    """offset -> value of every record a consumer reads, from the start to the high watermark."""
    records = consume_partition(bootstrap, topic, partition, timeout=60)
    offsets = [m.offset() for m in records]
    assert offsets == sorted(set(offsets)), f"{topic}-{partition}: offsets repeat or go back"
    return {m.offset(): m.value() for m in records}


def replica_log(broker, topic: str, partition: int) -> dict[int, bytes]:
    """offset -> value of every record in one replica's segment files (`gregor log dump`)."""
    records: dict[int, bytes] = {}
    for segment in sorted(broker.partition_dir(topic, partition).glob("*.log")):
        done = run_cmd([str(GREGOR_CLI), "log", "dump", str(segment), "--output", "json"])
        assert done.returncode == 0, done.stderr.decode()
        for batch in json.loads(done.stdout)["batches"]:
            for record in batch["records"]:
                assert record["offset"] not in records, f"offset {record['offset']} twice in {segment}"
                records[record["offset"]] = (record["value"] or "").encode()
    return records


def check_acknowledged(acked: list[tuple[int, int, int]], logs: dict[int, dict[int, bytes]]) -> None:
    """Every acknowledged record is in the final log at its acknowledged offset; no offset was
    acknowledged twice; per partition, acknowledged offsets only grow."""
    last: dict[int, int] = {}
    claimed: set[tuple[int, int]] = set()
    for seq, partition, offset in acked:
        assert (partition, offset) not in claimed, f"offset {partition}/{offset} acknowledged twice"
        claimed.add((partition, offset))
        assert offset > last.get(partition, -1), f"acknowledged offset {partition}/{offset} went back"
        last[partition] = offset
        assert logs[partition].get(offset) == value_for(seq), \
            f"acknowledged seq {seq} at {partition}/{offset} is not in the final log"


def check_seen(seen: list[tuple[int, int, bytes]], logs: dict[int, dict[int, bytes]]) -> None:
    """Whatever a consumer was given is still in the final log at the same offset: it read
    committed records only, never one truncated later."""
    for partition, offset, value in seen:
        assert logs[partition].get(offset) == value, \
            f"consumer saw {partition}/{offset}={value[:14]!r}, the final log has another record"


def wait_seen_all(consumer: RecordingConsumer, logs: dict[int, dict[int, bytes]], timeout: float = 30) -> None:
    total = sum(len(log) for log in logs.values())
    wait_for(lambda: len({(p, o) for p, o, _ in consumer.seen}) >= total, timeout,
             f"consumer to read all {total} records")
