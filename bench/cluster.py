#!/usr/bin/python3
"""Gregor replicated: one ZooKeeper and three brokers on this machine (tools/dev-cluster, on
loopback, one disk), topics with replication factor 3, loaded by `gregor perf`. A fresh cluster
per invocation; a sync before each run. Results: a table on stdout and
build/bench/cluster.{json,md}. See "Three brokers on one machine" in docs/performance.md.

    bench/cluster.py              # the suite, one run a row (about 2 minutes)
    bench/cluster.py --repeat 3   # three runs a row, the median reported
    bench/cluster.py --quick      # smaller runs, to check that everything works
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import socket
import subprocess
import time
from pathlib import Path

from benchlib import ensure_packages, free_port, log, run

REPO = Path(__file__).resolve().parents[1]
BUILD = Path(os.environ.get("GREGOR_BUILD", REPO / "build"))
GREGOR = BUILD / "bin" / "gregor"
SERVER = BUILD / "bin" / "gregor-server"
OUT = BUILD / "bench"


def consecutive_free_ports(count: int, start: int = 29092) -> int:
    """The first of `count` consecutive free loopback ports from `start` on."""
    for base in range(start, start + 1000):
        try:
            for port in range(base, base + count):
                with socket.socket() as s:
                    s.bind(("127.0.0.1", port))
            return base
        except OSError:
            continue
    raise RuntimeError("no free ports for three brokers")


class Cluster:
    """tools/dev-cluster in a folder of its own: started on entry, stopped and removed on exit."""

    def __init__(self, root: Path):
        self.root = root
        base = consecutive_free_ports(3)
        self.bootstrap = f"127.0.0.1:{base}"
        self.env = {**os.environ, "GREGOR_BIN": str(SERVER), "DEV_CLUSTER_BASE_PORT": str(base),
                    "DEV_CLUSTER_ZK_PORT": str(free_port())}

    def dev_cluster(self, command: str) -> None:
        subprocess.run([str(REPO / "tools" / "dev-cluster"), command], cwd=self.root, env=self.env,
                       check=True, stdout=subprocess.DEVNULL, timeout=120)

    def __enter__(self) -> Cluster:
        shutil.rmtree(self.root, ignore_errors=True)
        self.root.mkdir(parents=True)
        self.dev_cluster("start")
        return self

    def __exit__(self, *exc) -> None:
        self.dev_cluster("stop")
        shutil.rmtree(self.root, ignore_errors=True)

    def gregor(self, *args: str, timeout: float = 600) -> str:
        return run([str(GREGOR), "--bootstrap-server", self.bootstrap, *args], timeout=timeout)

    def perf(self, *args: str) -> dict:
        return json.loads(self.gregor("--output", "json", "perf", *args))

    def create_topic(self, name: str, partitions: int) -> None:
        self.gregor("topic", "create", name, "--partitions", str(partitions),
                    "--replication-factor", "3")


def workloads(n: int, rate: int) -> list[tuple[str, str, int, list[str]]]:
    """(row, topic, partitions, `gregor perf` arguments). The catch-up reads the first topic."""
    return [
        ("100 B, 1 partition, acks=1", "c1", 1, ["produce", "c1", "--records", str(n), "--acks", "1"]),
        ("100 B, 1 partition, acks=all (leader fsync'd, both followers have it)", "c2", 1,
         ["produce", "c2", "--records", str(n), "--acks", "all"]),
        ("100 B, 3 partitions (one led by each broker), acks=all", "c3", 3,
         ["produce", "c3", "--records", str(n), "--acks", "all"]),
        ("1 KiB, 1 partition, acks=1", "c4", 1,
         ["produce", "c4", "--records", str(n // 4), "--record-size", "1024", "--acks", "1"]),
        ("consumer catch-up, from the leader of c1", "c1", 1, ["consume", "c1", "--records", str(n)]),
        (f"end-to-end, acks=all, 100 B at {rate:,} records/s", "c5", 1,
         ["e2e", "c5", "--records", str(rate * 5), "--throughput", str(rate), "--acks", "all",
          "--linger-ms", "1"]),
    ]


def describe(result: dict) -> str:
    text = f"{result['records_per_sec']:,.0f} records/s ({result['mb_per_sec']:,.0f} MB/s)"
    if "latency_ms" in result:
        latency = result["latency_ms"]
        text += f"; p50 {latency['p50']:.1f} ms, p99 {latency['p99']:.1f} ms"
    return text


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="smaller runs (a functional check)")
    parser.add_argument("--repeat", type=int, default=1, help="runs a row; the median is reported")
    args = parser.parse_args()
    ensure_packages(["zookeeper"])
    n, rate = (300_000, 100_000) if args.quick else (3_000_000, 400_000)
    started = time.monotonic()
    rows = []
    with Cluster(OUT / "cluster-data") as cluster:
        created: set[str] = set()
        for name, topic, partitions, perf_args in workloads(n, rate):
            runs = []
            for attempt in range(args.repeat):
                # A fresh topic per produce run, so that every run writes into an empty log.
                run_topic = topic if perf_args[0] == "consume" or attempt == 0 else f"{topic}-{attempt}"
                if run_topic not in created:
                    cluster.create_topic(run_topic, partitions)
                    created.add(run_topic)
                os.sync()
                runs.append(cluster.perf(perf_args[0], run_topic, *perf_args[2:]))
            # The median run: by its p99 for end-to-end latency, by its rate otherwise.
            key = (lambda r: r["latency_ms"]["p99"]) if perf_args[0] == "e2e" else (lambda r: r["records_per_sec"])
            median = sorted(runs, key=key)[len(runs) // 2]
            rows.append({"workload": name, **median, "runs": runs})
            log(f"{name}: {describe(median)}")
    seconds = time.monotonic() - started
    table = ["| workload (replication factor 3) | result |", "| --- | --- |"]
    table += [f"| {row['workload']} | {describe(row)} |" for row in rows]
    table.append(f"\n({'quick' if args.quick else 'full'} run, the median of {args.repeat} run(s) a row, "
                 f"{seconds:.0f} s)")
    OUT.mkdir(parents=True, exist_ok=True)
    (OUT / "cluster.json").write_text(json.dumps(rows, indent=1))
    (OUT / "cluster.md").write_text("\n".join(table) + "\n")
    print("\n".join(table))


if __name__ == "__main__":
    main()
