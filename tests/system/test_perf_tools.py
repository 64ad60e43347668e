"""`gregor perf produce|consume|e2e` against a real broker: the records they report are really
written and read, the JSON summary has its fields, and bad arguments fail with a clear line.
Throughput numbers are not asserted (benchmarks are not tests)."""

import json

from cli_runner import run_cli
from systest_helpers import create_topic, unique_topic


def perf_json(broker, *args):
    result = run_cli(["--output", "json", "perf", *args], broker.bootstrap, timeout=120)
    assert result.returncode == 0, (args, result.stdout, result.stderr)
    return json.loads(result.stdout)


def partition_ends(broker, topic):
    result = run_cli(["--output", "json", "offsets", topic, "--time", "latest"], broker.bootstrap)
    assert result.returncode == 0, result.stderr
    return [row["offset"] for row in json.loads(result.stdout)]


def high_watermarks(broker, topic):
    return sum(partition_ends(broker, topic))


def test_produce_then_consume_counts_every_record(broker):
    topic = unique_topic("perf")
    create_topic(broker.bootstrap, topic, partitions=4)
    produced = perf_json(broker, "produce", topic, "--records", "20000", "--record-size", "200",
                         "--acks", "all", "--keys", "100", "--compression", "lz4")
    assert (produced["kind"], produced["records"], produced["errors"]) == ("produce", 20000, 0)
    assert produced["bytes"] >= 20000 * 200
    assert produced["records_per_sec"] > 0
    latency = produced["latency_ms"]
    assert 0 <= latency["p50"] <= latency["p99"] <= latency["p99_9"] <= latency["max"]
    assert high_watermarks(broker, topic) == 20000

    consumed = perf_json(broker, "consume", topic, "--records", "20000")
    assert (consumed["kind"], consumed["records"]) == ("consume", 20000)
    assert "latency_ms" not in consumed
    in_group = perf_json(broker, "consume", topic, "--records", "20000", "--group", unique_topic("g"))
    assert in_group["records"] == 20000


def test_paced_produce_and_end_to_end_latency(broker):
    topic = unique_topic("e2e")
    create_topic(broker.bootstrap, topic, partitions=2)
    paced = perf_json(broker, "produce", topic, "--records", "400", "--throughput", "1000")
    assert paced["records"] == 400
    assert paced["seconds"] >= 0.35  # 400 records at 1000/s cannot finish sooner
    e2e = perf_json(broker, "e2e", topic, "--records", "500", "--throughput", "1000",
                    "--warmup-seconds", "0.5")
    assert (e2e["kind"], e2e["records"]) == ("e2e", 500)
    assert 0 <= e2e["latency_ms"]["p50"] <= e2e["latency_ms"]["max"]
    # Half a second of unmeasured records at the same rate came first: they and the measured
    # ones are all in the log, on both partitions.
    marks = partition_ends(broker, topic)
    assert sum(marks) >= 900 and min(marks) > 0, marks


def test_mock_cluster_needs_no_broker():
    result = run_cli(["--bootstrap-server", "127.0.0.1:1", "--output", "json", "perf", "produce",
                      "mock-topic", "--mock", "--records", "5000"], timeout=60)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["records"] == 5000
    # Both end-to-end clients on one mock cluster: every stamped record comes back.
    e2e = run_cli(["--bootstrap-server", "127.0.0.1:1", "--output", "json", "perf", "e2e",
                   "mock-topic", "--mock", "--records", "2000", "--throughput", "4000",
                   "--warmup-seconds", "0"], timeout=60)
    assert e2e.returncode == 0, e2e.stderr
    summary = json.loads(e2e.stdout)
    assert (summary["kind"], summary["records"]) == ("e2e", 2000)
    assert 0 <= summary["latency_ms"]["p50"] <= summary["latency_ms"]["max"]
    # A record the client refuses ends the run with one line, not a crash of the sender thread.
    oversize = run_cli(["--bootstrap-server", "127.0.0.1:1", "perf", "e2e", "mock-topic", "--mock",
                        "--records", "10", "--record-size", "2000000"], timeout=60)
    assert oversize.returncode == 1, oversize.stderr
    # (A progress line may come first when the machine is slow to start the run.)
    assert oversize.stderr.splitlines()[-1] == (
        "error: produce failed: cannot produce: Broker: Message size too large")
    assert oversize.stderr.count("error:") == 1, oversize.stderr


def test_errors_are_one_line(broker):
    cases = [
        (["perf", "produce", "no-such-topic", "--records", "10"], 1, "unknown topic 'no-such-topic'"),
        (["perf", "e2e", "no-such-topic"], 1, "unknown topic 'no-such-topic'"),
        (["perf", "consume", "no-such-topic"], 1, "unknown topic 'no-such-topic'"),
        (["perf", "produce", "t", "--producer-property", "novalue"], 1, "KEY=VALUE, got 'novalue'"),
        (["perf", "produce", "t", "--producer-property", "no.such.property=1"], 1,
         "invalid client property no.such.property=1"),
        (["perf", "produce", "t", "--acks", "2"], 2, "--acks"),
        (["perf", "produce", "t", "--records", "0"], 2, "--records"),
        (["perf", "e2e", "t", "--record-size", "4"], 2, "--record-size"),
        (["perf", "e2e", "t", "--warmup-seconds", "-1"], 2, "--warmup-seconds"),
    ]
    for args, code, text in cases:
        result = run_cli(args, broker.bootstrap)
        assert result.returncode == code, (args, result.stdout, result.stderr)
        assert text in result.stderr, (args, result.stderr)
        if code == 1:
            assert result.stderr.startswith("error: ") and result.stderr.count("\n") == 1, result.stderr
    unreachable = run_cli(["--timeout", "2", "perf", "produce", "t", "--records", "1"], "127.0.0.1:1")
    assert unreachable.returncode == 1 and "cannot reach a broker at 127.0.0.1:1" in unreachable.stderr
