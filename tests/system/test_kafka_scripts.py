"""bin/kafka-*.sh, Kafka's scripts on top of `gregor`, against a real broker: Kafka's quick start
verbatim (only the port differs), each script's usual flags and output layout, and the error
cases (unknown flag: one line, exit 2; unknown topic or group: gregor's line, exit 1)."""

import json
import os
import signal
import subprocess
import time
from pathlib import Path

import pytest
from confluent_kafka import Consumer

from cli_runner import GREGOR_CLI, REPO
from systest_helpers import free_port, read_lines_then_interrupt, unique_topic

BIN = REPO / "bin"
FAST = {"group.initial.rebalance.delay.ms": "0", "offsets.topic.num.partitions": "3"}


def script_env() -> dict:
    """The scripts find gregor (and gregor-server) in the build the tests use."""
    env = dict(os.environ)
    env["GREGOR_BUILD"] = str(Path(GREGOR_CLI).parents[1])
    return env


def script(name, *args, input=None, timeout=60):
    return subprocess.run([str(BIN / name), *args], input=input, capture_output=True, text=True,
                          timeout=timeout, env=script_env())


def ok(name, *args, input=None):
    result = script(name, *args, input=input)
    assert result.returncode == 0, (name, args, result.stdout, result.stderr)
    return result.stdout


def test_quick_start_verbatim(broker):
    server = broker.bootstrap
    assert ok("kafka-topics.sh", "--create", "--topic", "quickstart-events",
              "--bootstrap-server", server) == "Created topic quickstart-events.\n"
    assert ok("kafka-topics.sh", "--describe", "--topic", "quickstart-events",
              "--bootstrap-server", server) == (
        "Topic: quickstart-events\tPartitionCount: 1\tReplicationFactor: 1\tConfigs: \n"
        "\tTopic: quickstart-events\tPartition: 0\tLeader: 0\tReplicas: 0\tIsr: 0\n")
    ok("kafka-console-producer.sh", "--topic", "quickstart-events", "--bootstrap-server", server,
       input="This is my first event\nThis is my second event\n")
    # The consumer runs until Ctrl-C, as in the quick start.
    consumer = subprocess.Popen(
        [str(BIN / "kafka-console-consumer.sh"), "--topic", "quickstart-events", "--from-beginning",
         "--bootstrap-server", server], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        env=script_env())
    assert read_lines_then_interrupt(consumer, 2) == ["This is my first event\n",
                                                     "This is my second event\n"]


def test_topics_script(broker):
    server = ["--bootstrap-server", broker.bootstrap]
    ok("kafka-topics.sh", *server, "--create", "--topic", "kt", "--partitions", "3",
       "--replication-factor", "1", "--config", "retention.ms=60000")
    ok("kafka-topics.sh", *server, "--create", "--topic", "kt", "--if-not-exists")
    assert "kt" in ok("kafka-topics.sh", *server, "--list").split()
    text = ok("kafka-topics.sh", *server, "--describe", "--topic", "kt")
    assert text.splitlines()[0] == \
        "Topic: kt\tPartitionCount: 3\tReplicationFactor: 1\tConfigs: retention.ms=60000"
    ok("kafka-topics.sh", *server, "--alter", "--topic", "kt", "--partitions", "4")
    assert "PartitionCount: 4" in ok("kafka-topics.sh", *server, "--describe", "--topic", "kt")
    ok("kafka-topics.sh", *server, "--delete", "--topic", "kt")
    assert "kt" not in ok("kafka-topics.sh", *server, "--list").split()
    ok("kafka-topics.sh", *server, "--delete", "--topic", "kt", "--if-exists")
    missing = script("kafka-topics.sh", *server, "--describe", "--topic", "kt")
    assert missing.returncode == 1
    assert missing.stderr == ("error: unknown topic 'kt': see `gregor topic list`, or create it "
                              "with `gregor topic create kt`\n")


@pytest.mark.parametrize("name, args", [
    ("kafka-topics.sh", ["--list", "--bogus"]),
    ("kafka-topics.sh", ["--list", "--describe"]),
    ("kafka-topics.sh", ["--create"]),
    ("kafka-console-producer.sh", ["--topic", "t", "--bogus", "1"]),
    ("kafka-console-producer.sh", ["--topic", "t", "--property", "parse.headers=true"]),
    ("kafka-console-consumer.sh", ["--topic", "t", "--offset", "5"]),
    ("kafka-console-consumer.sh", ["--whitelist", "t.*"]),
    ("kafka-consumer-groups.sh", ["--describe"]),
    ("kafka-consumer-groups.sh", ["--reset-offsets", "--group", "g", "--topic", "t"]),
    ("kafka-consumer-groups.sh", ["--reset-offsets", "--group", "g", "--topic", "t",
                                  "--to-earliest", "--by-duration", "1h"]),
    ("kafka-configs.sh", ["--describe", "--entity-type", "users", "--entity-name", "u"]),
    ("kafka-get-offsets.sh", ["--time", "-3"]),
    ("kafka-delete-records.sh", []),
    ("kafka-dump-log.sh", ["--files", "x.log", "--nope"]),
    ("kafka-server-start.sh", ["--nope"]),
    ("kafka-server-start.sh", []),
])
def test_wrong_command_lines_are_one_line_and_exit_2(name, args):
    connection = [] if name in ("kafka-server-start.sh", "kafka-dump-log.sh") else \
        ["--bootstrap-server", "127.0.0.1:1"]
    result = script(name, *args, *connection)
    assert result.returncode == 2, (result.stdout, result.stderr)
    assert result.stderr.count("\n") == 1, result.stderr


def test_unknown_flag_message(broker):
    result = script("kafka-topics.sh", "--bootstrap-server", broker.bootstrap, "--list", "--bogus")
    assert result.stderr == "kafka-topics.sh: unrecognized arguments: --bogus (see --help)\n"
    assert result.stdout == ""


def test_console_producer_and_consumer_properties(broker):
    server = ["--broker-list", broker.bootstrap]
    ok("kafka-topics.sh", "--bootstrap-server", broker.bootstrap, "--create", "--topic", "kv",
       "--partitions", "2")
    ok("kafka-console-producer.sh", *server, "--topic", "kv", "--property", "parse.key=true",
       "--property", "key.separator=:", "--request-required-acks", "1",
       "--compression-codec", input="k1:v1\nk2:v2%\n")
    out = ok("kafka-console-consumer.sh", "--bootstrap-server", broker.bootstrap, "--topic", "kv",
             "--from-beginning", "--max-messages", "2", "--property", "print.key=true",
             "--property", "key.separator= -> ")
    assert sorted(out.splitlines()) == ["k1 -> v1", "k2 -> v2%"]
    out = ok("kafka-console-consumer.sh", "--bootstrap-server", broker.bootstrap, "--topic", "kv",
             "--from-beginning", "--timeout-ms", "3000", "--property", "print.partition=true",
             "--property", "print.offset=true", "--property", "print.value=false")
    assert sorted(out.splitlines()) in (
        [f"Partition:{p}\tOffset:0", f"Partition:{q}\tOffset:1"] for p, q in ((0, 0), (1, 1)))
    out = ok("kafka-console-consumer.sh", "--bootstrap-server", broker.bootstrap, "--topic", "kv",
             "--partition", "0", "--offset", "earliest", "--timeout-ms", "3000",
             "--property", "print.timestamp=true")
    assert all(line.startswith("CreateTime:") for line in out.splitlines())
    # As Kafka's: a topic that does not exist is created, the broker allowing it.
    ok("kafka-console-producer.sh", *server, "--topic", "created-by-producing",
       "--producer-property", "client.id=x", input="a\n")
    assert ok("kafka-console-consumer.sh", "--bootstrap-server", broker.bootstrap, "--topic",
              "created-by-producing", "--from-beginning", "--max-messages", "1") == "a\n"
    bad = script("kafka-console-producer.sh", *server, "--topic", "kv", "--property",
                 "parse.key=true", input="no separator\n")
    assert bad.returncode == 1 and "no key separator" in bad.stderr


@pytest.mark.broker_config(FAST)
def test_consumer_groups_script(broker):
    server = ["--bootstrap-server", broker.bootstrap]
    topic = unique_topic("cg")
    ok("kafka-topics.sh", *server, "--create", "--topic", topic, "--partitions", "2")
    ok("kafka-console-producer.sh", *server, "--topic", topic, input="a\nb\nc\nd\n")
    out = ok("kafka-console-consumer.sh", *server, "--topic", topic, "--group", "cgroup",
             "--from-beginning", "--timeout-ms", "3000")
    assert sorted(out.split()) == ["a", "b", "c", "d"]
    assert "cgroup" in ok("kafka-consumer-groups.sh", *server, "--list").split()
    lines = ok("kafka-consumer-groups.sh", *server, "--describe", "--group", "cgroup").splitlines()
    assert lines[1] == "Consumer group 'cgroup' has no active members."
    assert lines[3].split() == ["GROUP", "TOPIC", "PARTITION", "CURRENT-OFFSET", "LOG-END-OFFSET",
                                "LAG", "CONSUMER-ID", "HOST", "CLIENT-ID"]
    rows = [line.split() for line in lines[4:]]
    assert sum(int(r[3]) for r in rows) == 4 and all(r[5] == "0" for r in rows)
    state = ok("kafka-consumer-groups.sh", *server, "--describe", "--group", "cgroup", "--state")
    assert state.splitlines()[2].split() == ["cgroup", "(0)", "-", "Empty", "0"]

    dry = ok("kafka-consumer-groups.sh", *server, "--reset-offsets", "--group", "cgroup",
             "--topic", topic, "--to-earliest")
    assert dry.splitlines()[1].split() == ["GROUP", "TOPIC", "PARTITION", "NEW-OFFSET"]
    assert [r.split()[3] for r in dry.splitlines()[2:]] == ["0", "0"]
    ok("kafka-consumer-groups.sh", *server, "--reset-offsets", "--group", "cgroup",
       "--all-topics", "--to-earliest", "--execute")
    again = ok("kafka-console-consumer.sh", *server, "--topic", topic, "--group", "cgroup",
               "--timeout-ms", "3000")
    assert sorted(again.split()) == ["a", "b", "c", "d"]  # read again after the reset

    consumer = Consumer({"bootstrap.servers": broker.bootstrap, "group.id": "cgroup",
                         "client.id": "live", "session.timeout.ms": 6000})
    try:
        consumer.subscribe([topic])
        deadline = time.monotonic() + 60
        while not consumer.assignment() and time.monotonic() < deadline:
            consumer.poll(0.1)
        members = ok("kafka-consumer-groups.sh", *server, "--describe", "--group", "cgroup",
                     "--members").splitlines()
        assert members[1].split() == ["GROUP", "CONSUMER-ID", "HOST", "CLIENT-ID", "#PARTITIONS"]
        assert members[2].split()[3:] == ["live", "2"]
        refused = script("kafka-consumer-groups.sh", *server, "--reset-offsets", "--group",
                         "cgroup", "--topic", topic, "--to-latest", "--execute")
        assert refused.returncode == 1
        assert refused.stderr == ("error: cannot reset offsets of group 'cgroup': it has 1 active "
                                  "member(s) (state Stable); stop its consumers first\n")
    finally:
        consumer.close()
    deleted = script("kafka-consumer-groups.sh", *server, "--delete", "--group", "cgroup")
    for _ in range(50):  # the group empties when the member's LeaveGroup is handled
        if deleted.returncode == 0:
            break
        time.sleep(0.2)
        deleted = script("kafka-consumer-groups.sh", *server, "--delete", "--group", "cgroup")
    assert deleted.stdout == "Deletion of requested consumer groups ('cgroup') was successful.\n"
    unknown = script("kafka-consumer-groups.sh", *server, "--describe", "--group", "cgroup")
    assert unknown.returncode == 1
    assert unknown.stderr == "error: unknown group 'cgroup': see `gregor group list`\n"


def test_configs_script(broker):
    server = ["--bootstrap-server", broker.bootstrap]
    ok("kafka-topics.sh", *server, "--create", "--topic", "cfg")
    assert ok("kafka-configs.sh", *server, "--entity-type", "topics", "--entity-name", "cfg",
              "--alter", "--add-config", "retention.ms=1000,cleanup.policy=[delete,compact]") == \
        "Completed updating config for topic cfg.\n"
    assert ok("kafka-configs.sh", *server, "--entity-type", "topics", "--entity-name", "cfg",
              "--describe") == (
        "Dynamic configs for topic cfg are:\n"
        "  cleanup.policy=delete,compact sensitive=false "
        "synonyms={DYNAMIC_TOPIC_CONFIG:cleanup.policy=delete,compact}\n"
        "  retention.ms=1000 sensitive=false synonyms={DYNAMIC_TOPIC_CONFIG:retention.ms=1000}\n")
    ok("kafka-configs.sh", *server, "--topic", "cfg", "--alter", "--delete-config",
       "retention.ms,cleanup.policy")
    assert ok("kafka-configs.sh", *server, "--topic", "cfg", "--describe") == \
        "Dynamic configs for topic cfg are:\n"
    everything = ok("kafka-configs.sh", *server, "--entity-type", "brokers", "--entity-name", "0",
                    "--describe", "--all")
    assert everything.startswith("All configs for broker 0 are:\n") and "num.partitions=" in everything
    bad = script("kafka-configs.sh", *server, "--topic", "cfg", "--alter", "--add-config",
                 "no.such.key=1")
    assert bad.returncode == 1 and "no.such.key" in bad.stderr

    # Dynamic broker configs: this broker's and the cluster-wide defaults.
    assert ok("kafka-configs.sh", *server, "--entity-type", "brokers", "--entity-name", "0",
              "--alter", "--add-config", "log.retention.ms=7200000") == \
        "Completed updating config for broker 0.\n"
    assert ok("kafka-configs.sh", *server, "--entity-type", "brokers", "--entity-default",
              "--alter", "--add-config", "log.segment.bytes=536870912") == \
        "Completed updating default config for brokers in the cluster.\n"
    assert ok("kafka-configs.sh", *server, "--entity-type", "brokers", "--entity-default",
              "--describe") == (
        "Default configs for brokers in the cluster are:\n"
        "  log.segment.bytes=536870912 sensitive=false "
        "synonyms={DYNAMIC_DEFAULT_BROKER_CONFIG:log.segment.bytes=536870912}\n")
    assert "log.retention.ms=7200000" in ok("kafka-configs.sh", *server, "--broker", "0",
                                            "--describe")
    static = script("kafka-configs.sh", *server, "--broker", "0", "--alter", "--add-config",
                    "num.partitions=3")
    assert static.returncode == 1 and "Cannot update these configs dynamically: Set(num.partitions)" \
        in static.stderr


def test_get_offsets_delete_records_and_dump_log(broker, tmp_path):
    server = ["--bootstrap-server", broker.bootstrap]
    ok("kafka-topics.sh", *server, "--create", "--topic", "trimmed", "--partitions", "2")
    ok("kafka-console-producer.sh", *server, "--topic", "trimmed", "--property", "parse.key=true",
       input="".join(f"k\tv{i}\n" for i in range(6)))
    latest = ok("kafka-get-offsets.sh", *server, "--topic", "trimmed").splitlines()
    assert sorted(latest) in (["trimmed:0:0", "trimmed:1:6"], ["trimmed:0:6", "trimmed:1:0"])
    full = 0 if "trimmed:0:6" in latest else 1
    offsets_file = tmp_path / "offsets.json"
    offsets_file.write_text(json.dumps(
        {"partitions": [{"topic": "trimmed", "partition": full, "offset": 4}], "version": 1}))
    assert ok("kafka-delete-records.sh", *server, "--offset-json-file", str(offsets_file)) == (
        "Executing records delete operation\nRecords delete operation completed:\n"
        f"partition: trimmed-{full}\tlow_watermark: 4\n")
    assert ok("kafka-get-offsets.sh", *server, "--topic", "trim.*", "--time", "-2",
              "--partitions", str(full)) == f"trimmed:{full}:4\n"
    offsets_file.write_text("{not json")
    bad = script("kafka-delete-records.sh", *server, "--offset-json-file", str(offsets_file))
    assert bad.returncode == 1 and bad.stderr.count("\n") == 1

    segment = broker.active_segment("trimmed", full)
    batches = ok("kafka-dump-log.sh", "--files", str(segment))
    assert batches.startswith(f"Dumping {segment}\n") and "| offset" not in batches
    records = ok("kafka-dump-log.sh", "--files", str(segment), "--print-data-log")
    assert "key: k payload: v5" in records
    missing = script("kafka-dump-log.sh", "--files", "/nonexistent.log")
    assert missing.returncode == 1
    assert missing.stderr == "error: cannot read segment file /nonexistent.log\n"


def test_server_start_script(tmp_path):
    port = free_port()
    config = tmp_path / "server.properties"
    config.write_text(f"broker.id=0\nlisteners=PLAINTEXT://127.0.0.1:{port}\n"
                      f"log.dirs={tmp_path / 'logs'}\n")
    env = script_env()
    server = subprocess.Popen([str(BIN / "kafka-server-start.sh"), str(config),
                               "--override", "num.partitions=3"],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env)
    try:
        deadline = time.monotonic() + 30
        created = None
        while time.monotonic() < deadline:
            created = script("kafka-topics.sh", "--bootstrap-server", f"127.0.0.1:{port}",
                             "--create", "--topic", "started")
            if created.returncode == 0:
                break
            time.sleep(0.3)
        assert created.returncode == 0, created.stderr
        assert "PartitionCount: 3" in ok("kafka-topics.sh", "--bootstrap-server",
                                         f"127.0.0.1:{port}", "--describe", "--topic", "started")
    finally:
        server.send_signal(signal.SIGTERM)
        assert server.wait(timeout=30) == 0
