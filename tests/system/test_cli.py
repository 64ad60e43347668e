"""`gregor` against a real broker: every subcommand, its output and exit code, the error cases
(unknown topic, unreachable broker, bad config) and a config change taking effect at once."""

import json
import time

import pytest

from cli_runner import run_cli
from systest_helpers import free_port


def ok(broker, *args, input=None):
    result = run_cli(list(args), broker.bootstrap, input=input)
    assert result.returncode == 0, (args, result.stdout, result.stderr)
    return result.stdout


def fails(broker, *args, input=None, code=1):
    result = run_cli(list(args), broker.bootstrap, input=input)
    assert result.returncode == code, (args, result.stdout, result.stderr)
    if code == 1:
        assert result.stderr.startswith("error: ") and result.stderr.count("\n") == 1, result.stderr
    return result.stderr


def test_topic_lifecycle(broker):
    assert ok(broker, "topic", "create", "orders", "--partitions", "2",
              "--config", "retention.ms=60000") == "Created topic orders\n"
    assert "already exists" in fails(broker, "topic", "create", "orders")
    ok(broker, "topic", "create", "orders", "--if-not-exists")
    assert ok(broker, "topic", "create", "checked", "--validate-only") == "Valid: topic checked\n"
    assert "checked" not in ok(broker, "topic", "list").split()
    assert "orders" in ok(broker, "topic", "list").split()
    assert {"topic": "orders", "partitions": 2} in json.loads(
        ok(broker, "--output", "json", "topic", "list"))

    ok(broker, "produce", "orders", "--partition", "1", input="a\nb\nc\n")
    text = ok(broker, "topic", "describe", "orders")
    assert "Topic: orders  Partitions: 2" in text
    # SIZE comes from DescribeLogDirs: the bytes of the partition's segments on disk.
    on_disk = sum(f.stat().st_size for f in broker.partition_dir("orders", 1).glob("*.log"))
    assert on_disk > 0
    assert "PARTITION  LEADER  REPLICAS  ISR  EARLIEST  LATEST  SIZE" in text
    assert "0          0       [0]       [0]  0         0       0" in text
    assert f"1          0       [0]       [0]  0         3       {on_disk}" in text
    assert "retention.ms  60000" in text
    described = json.loads(ok(broker, "topic", "describe", "orders", "--output", "json"))
    assert described["configs"] == {"retention.ms": "60000"}
    assert described["partitions"][1] == {"partition": 1, "leader": 0, "replicas": [0], "isr": [0],
                                          "earliest": 0, "latest": 3, "size": on_disk}

    assert ok(broker, "topic", "add-partitions", "orders", "--total", "4") == \
        "Topic orders now has 4 partitions\n"
    assert "4" in fails(broker, "topic", "add-partitions", "orders", "--total", "3")
    assert ok(broker, "topic", "delete", "orders") == "Deleted topic orders\n"
    # (produce creates a missing topic when the broker allows it: test_first_contact.py)
    for args in (["topic", "describe", "orders"], ["topic", "delete", "orders"],
                 ["consume", "orders"], ["offsets", "orders"],
                 ["config", "get", "--topic", "orders"]):
        assert "unknown topic 'orders'" in fails(broker, *args, input="x\n")


def test_produce_and_consume_with_keys_headers_and_formats(broker):
    ok(broker, "topic", "create", "events", "--partitions", "2")
    ok(broker, "produce", "events", "--key-separator", ":", "--header", "src=test",
       "--partition", "0", "--compression", "gzip", input="k1:v1\nk2:v2:x\n")
    assert "no key separator" in fails(broker, "produce", "events", "--key-separator", ":",
                                       input="nokey\n")
    out = ok(broker, "consume", "events", "--from-beginning", "--exit-at-end",
             "--format", "%k=%v %h p%p o%o")
    assert out == "k1=v1 src=test p0 o0\nk2=v2:x src=test p0 o1\n"
    ok(broker, "produce", "events", "--partition", "1", "--acks", "1", input="p1\n")
    assert ok(broker, "consume", "events", "--partition", "0", "--offset", "1",
              "--exit-at-end") == "v2:x\n"
    assert ok(broker, "consume", "events", "--from-beginning", "--max-messages", "1",
              "--partition", "1") == "p1\n"
    records = [json.loads(line) for line in ok(
        broker, "consume", "events", "--from-beginning", "--exit-at-end", "--output", "json",
        "--partition", "0").splitlines()]
    assert records[0]["key"] == "k1" and records[0]["headers"] == {"src": "test"}
    later = int(time.time() * 1000) + 60_000
    assert ok(broker, "consume", "events", "--timestamp", str(later), "--exit-at-end") == ""
    assert ok(broker, "consume", "events", "--timestamp", "0", "--exit-at-end",
              "--partition", "0", "--format", "%o") == "0\n1\n"
    assert "no partition 5" in fails(broker, "consume", "events", "--partition", "5")
    assert "no partition 5" in fails(broker, "produce", "events", "--partition", "5", input="x\n")


def test_produce_from_file(broker, tmp_path):
    ok(broker, "topic", "create", "fromfile")
    lines = tmp_path / "lines.txt"
    lines.write_text("one\ntwo\n")
    ok(broker, "produce", "fromfile", "--file", str(lines), "--compression", "zstd")
    assert ok(broker, "consume", "fromfile", "--from-beginning", "--exit-at-end") == "one\ntwo\n"
    assert "cannot read --file" in fails(broker, "produce", "fromfile", "--file",
                                         str(tmp_path / "missing"))


def test_config_get_set_delete_and_live_effect(broker):
    ok(broker, "topic", "create", "limited")
    ok(broker, "produce", "limited", input="x" * 500 + "\n")
    assert ok(broker, "config", "set", "--topic", "limited", "max.message.bytes=300",
              "retention.ms=1000") == "Updated configs of topic limited\n"
    rows = {r["name"]: r for r in json.loads(
        ok(broker, "config", "get", "--topic", "limited", "--output", "json"))}
    assert rows["max.message.bytes"]["value"] == "300"
    assert rows["max.message.bytes"]["source"] == "DYNAMIC_TOPIC_CONFIG"
    assert rows["segment.bytes"]["source"] == "DEFAULT_CONFIG"
    # The running partition takes the new limit without a restart.
    assert "too large" in fails(broker, "produce", "limited", input="x" * 500 + "\n").lower()
    ok(broker, "produce", "limited", input="small\n")

    out = ok(broker, "config", "get", "--topic", "limited", "retention.ms")
    assert out.splitlines()[1].split() == ["retention.ms", "1000", "DYNAMIC_TOPIC_CONFIG"]
    assert ok(broker, "config", "delete", "--topic", "limited", "max.message.bytes") == \
        "Deleted config overrides of topic limited\n"
    ok(broker, "produce", "limited", input="x" * 500 + "\n")
    out = ok(broker, "config", "get", "--topic", "limited", "retention.ms")
    assert "DYNAMIC_TOPIC_CONFIG" in out  # the other override stays

    assert "retention.ms" in fails(broker, "config", "set", "--topic", "limited", "retention.ms=soon")
    assert "no.such.key" in fails(broker, "config", "set", "--topic", "limited", "no.such.key=1")
    assert "unknown config name 'no.such.key'" in fails(broker, "config", "delete", "--topic",
                                                          "limited", "no.such.key")
    assert "KEY=VALUE" in fails(broker, "config", "set", "--topic", "limited", "retention.ms")
    broker_rows = ok(broker, "config", "get", "--broker", "0")
    assert "num.partitions" in broker_rows and "log.retention.ms" in broker_rows
    assert fails(broker, "config", "set", "--broker", "0", "num.partitions=3") == \
        "error: broker 0: Cannot update these configs dynamically: Set(num.partitions)\n"
    fails(broker, "config", "get", "--topic", "a", "--broker", "0", code=2)
    fails(broker, "config", "get", code=2)


def test_offsets_and_records_delete(broker):
    ok(broker, "topic", "create", "trim")
    before = int(time.time() * 1000) - 1000
    ok(broker, "produce", "trim", input="".join(f"m{i}\n" for i in range(5)))
    assert ok(broker, "offsets", "trim").splitlines()[1].split() == ["trim", "0", "5"]
    assert ok(broker, "offsets", "trim", "--time", "earliest").splitlines()[1].split()[2] == "0"
    assert json.loads(ok(broker, "offsets", "trim", "--time", str(before), "--output", "json")) == \
        [{"topic": "trim", "partition": 0, "offset": 0}]
    assert "--time" in fails(broker, "offsets", "trim", "--time", "yesterday")

    assert ok(broker, "records", "delete", "trim", "--partition", "0", "--offset", "3") \
        .splitlines()[1].split() == ["trim", "0", "3"]
    assert ok(broker, "offsets", "trim", "--time", "-2").splitlines()[1].split()[2] == "3"
    assert ok(broker, "consume", "trim", "--from-beginning", "--exit-at-end") == "m3\nm4\n"
    assert "beyond the end" in fails(broker, "records", "delete", "trim", "--offset", "9")
    assert ok(broker, "records", "delete", "trim", "--offset", "-1").splitlines()[1].split()[2] == "5"


def test_log_dump_decodes_compressed_batches(broker):
    ok(broker, "topic", "create", "dumped")
    # Compressible enough that librdkafka keeps the codec (it sends tiny batches plain).
    ok(broker, "produce", "dumped", "--compression", "lz4", "--key-separator", ",",
       input="".join(f"k{i},{'x' * 100}\n" for i in range(50)))
    segment = broker.active_segment("dumped")
    result = run_cli(["log", "dump", str(segment)])  # offline: no broker needed
    assert result.returncode == 0, result.stderr
    assert "compresscodec: lz4" in result.stdout and "isvalid: true" in result.stdout
    assert f"| offset: 49 " in result.stdout and f"key: k1 payload: {'x' * 100}" in result.stdout
    dump = json.loads(run_cli(["log", "dump", str(segment), "--output", "json"]).stdout)
    assert [r["key"] for b in dump["batches"] for r in b["records"]] == [f"k{i}" for i in range(50)]
    missing = run_cli(["log", "dump", "/nonexistent.log"])
    assert missing.returncode == 1 and "cannot read segment file" in missing.stderr


def test_unreachable_broker_is_one_line_within_the_timeout():
    dead = f"127.0.0.1:{free_port()}"
    for args in (["topic", "list"], ["topic", "create", "x"], ["config", "get", "--topic", "x"],
                 ["offsets", "x"], ["produce", "x"], ["consume", "x"]):
        start = time.monotonic()
        result = run_cli(["--timeout", "2"] + args, dead, input="x\n")
        assert time.monotonic() - start < 15, args
        assert result.returncode == 1, (args, result.stderr)
        assert result.stderr == (f"error: cannot reach a broker at {dead} within 2 s: check "
                                 "--bootstrap-server (or GREGOR_BOOTSTRAP_SERVER) and that the "
                                 "broker is running\n"), args


def test_environment_and_command_config(broker, tmp_path):
    result = run_cli(["topic", "create", "viaenv"], env={"GREGOR_BOOTSTRAP_SERVER": broker.bootstrap})
    assert result.returncode == 0, result.stderr
    props = tmp_path / "client.properties"
    props.write_text("# client settings\nclient.id=gregor-test\n")
    assert "viaenv" in ok(broker, "--command-config", str(props), "topic", "list")
    props.write_text("no.such.property=1\n")
    assert "no.such.property" in fails(broker, "--command-config", str(props), "topic", "list")


@pytest.mark.parametrize("args", [[], ["topic"], ["nosuch"], ["topic", "create"],
                                  ["produce"], ["consume", "t", "--from-beginning", "--offset", "1"],
                                  ["--output", "xml", "topic", "list"], ["produce", "t", "--acks", "2"]])
def test_usage_errors_exit_2(args):
    assert run_cli(args).returncode == 2, args


def test_help_has_examples_everywhere():
    from cli_runner import SUBCOMMANDS
    for words in SUBCOMMANDS:
        result = run_cli(words + ["--help"])
        assert result.returncode == 0, words
        assert "Examples:" in result.stdout, words
