"""Kafka's tools by class name (bin/kafka-run-class.sh) and the scripts Kafka has for them, with
Kafka's flags and output layouts, against real brokers: GetOffsetShell, DumpLogSegments,
ConsumerGroupCommand, ReplayLogProducer, SimpleConsumerShell, VerifyConsumerRebalance,
kafka-log-dirs.sh, kafka-broker-api-versions.sh, and the leader elections on a 3-broker cluster.
Wrong command lines are one line and exit code 2."""

import json
import re

import pytest

from cli_runner import run_cli
from systest_helpers import unique_topic, wait_for
from test_kafka_scripts import ok, script

RUN_CLASS = "kafka-run-class.sh"


def run_class(name, *args, **kwargs):
    return ok(RUN_CLASS, name, *args, **kwargs)


def new_topic(broker, prefix, partitions=1, lines=""):
    topic = unique_topic(prefix)
    ok("kafka-topics.sh", "--bootstrap-server", broker.bootstrap, "--create", "--topic", topic,
       "--partitions", str(partitions))
    if lines:
        ok("kafka-console-producer.sh", "--broker-list", broker.bootstrap, "--topic", topic,
           "--property", "parse.key=true", "--property", "key.separator=:", input=lines)
    return topic


def test_get_offset_shell(module_broker):
    topic = new_topic(module_broker, "gos", lines="".join(f"k:v{i}\n" for i in range(5)))
    server = ["--broker-list", module_broker.bootstrap]
    assert run_class("kafka.tools.GetOffsetShell", *server, "--topic", topic, "--time", "-1") == \
        f"{topic}:0:5\n"
    assert run_class("kafka.tools.GetOffsetShell", *server, "--topic", topic, "--time", "-2",
                     "--offsets", "1", "--partitions", "0") == f"{topic}:0:0\n"
    assert run_class("kafka.tools.GetOffsetShell", "--bootstrap-server", module_broker.bootstrap,
                     "--topic", topic) == f"{topic}:0:5\n"


def test_dump_log_segments(module_broker):
    topic = new_topic(module_broker, "dls", lines="k:first\nk:second\n")
    segment = str(module_broker.active_segment(topic))
    batches = run_class("kafka.tools.DumpLogSegments", "--files", segment)
    assert batches.startswith(f"Dumping {segment}\n") and "payload" not in batches
    for flag in ("--print-data-log", "--deep-iteration"):
        records = run_class("kafka.tools.DumpLogSegments", "--files", segment, flag)
        assert "key: k payload: first" in records and "key: k payload: second" in records
    bad = script(RUN_CLASS, "kafka.tools.DumpLogSegments", "--files", segment, "--bogus")
    assert bad.returncode == 2
    assert bad.stderr == ("kafka.tools.DumpLogSegments: unrecognized arguments: --bogus "
                          "(see --help)\n")


def test_replay_log_producer(module_broker):
    source = new_topic(module_broker, "replay-in", lines="a:1\nb:2\nc:3\n")
    ok("kafka-console-producer.sh", "--broker-list", module_broker.bootstrap, "--topic", source,
       input="no key\n")
    target = new_topic(module_broker, "replay-out")
    copy = unique_topic("replay-part")
    ok("kafka-topics.sh", "--bootstrap-server", module_broker.bootstrap, "--create", "--topic",
       copy)
    assert ok("kafka-replay-log-producer.sh", "--broker-list", module_broker.bootstrap,
              "--inputtopic", source, "--outputtopic", target) == ""
    run_class("kafka.tools.ReplayLogProducer", "--broker-list", module_broker.bootstrap,
              "--inputtopic", source, "--outputtopic", copy, "--messages", "2", "--threads", "1")

    def read(topic, count):
        """The topic's records, after checking that it holds exactly `count` of them."""
        ends = ok("kafka-get-offsets.sh", "--bootstrap-server", module_broker.bootstrap,
                  "--topic", topic).splitlines()
        assert sum(int(line.rsplit(":", 1)[1]) for line in ends) == count
        out = ok("kafka-console-consumer.sh", "--bootstrap-server", module_broker.bootstrap,
                 "--topic", topic, "--from-beginning", "--max-messages", str(count),
                 "--property", "print.key=true", "--property", "key.separator=:")
        return sorted(out.splitlines())

    assert read(target, 4) == ["a:1", "b:2", "c:3", "null:no key"]
    assert read(copy, 2) == ["a:1", "b:2"]


def test_simple_consumer_shell(module_broker):
    topic = new_topic(module_broker, "scs", lines="".join(f"k{i}:v{i}\n" for i in range(5)))
    server = ["--broker-list", module_broker.bootstrap, "--topic", topic]
    assert run_class("kafka.tools.SimpleConsumerShell", *server, "--partition", "0", "--offset",
                     "2", "--max-messages", "2", "--print-offsets") == \
        "next offset = 3\nv2\nnext offset = 4\nv3\n"
    assert ok("kafka-simple-consumer-shell.sh", *server, "--no-wait-at-logend", "--property",
              "print.key=true") == ("k0\tv0\nk1\tv1\nk2\tv2\nk3\tv3\nk4\tv4\n"
                                    f"Terminating. Reached the end of partition ({topic}, 0) at "
                                    "offset 5\n")
    assert ok("kafka-simple-consumer-shell.sh", *server, "--offset", "-1",
              "--no-wait-at-logend") == \
        f"Terminating. Reached the end of partition ({topic}, 0) at offset 5\n"
    replica = script("kafka-simple-consumer-shell.sh", *server, "--replica", "2")
    assert replica.returncode == 2 and replica.stderr.count("\n") == 1


def test_consumer_group_command_and_verify_consumer_rebalance(module_broker):
    from confluent_kafka import Consumer

    topic = new_topic(module_broker, "vcr", partitions=3, lines="k:v\n")
    server = ["--bootstrap-server", module_broker.bootstrap]
    group = unique_topic("vcr-group")
    consumers = []
    try:
        for name in ("c1", "c2"):
            consumer = Consumer({"bootstrap.servers": module_broker.bootstrap, "group.id": group,
                                 "client.id": name, "session.timeout.ms": 6000})
            consumer.subscribe([topic])
            consumers.append(consumer)

        def assigned():
            for consumer in consumers:
                consumer.poll(0.1)
            return sum(len(c.assignment()) for c in consumers) == 3 and all(
                c.assignment() for c in consumers)

        wait_for(assigned, 60, "both consumers assigned")
        assert group in run_class("kafka.admin.ConsumerGroupCommand", *server, "--list").split()
        members = run_class("kafka.admin.ConsumerGroupCommand", *server, "--describe", "--group",
                            group, "--members").splitlines()
        assert sorted(line.split()[3] for line in members[2:]) == ["c1", "c2"]

        verified = run_class("kafka.tools.VerifyConsumerRebalance", *server, "--group", group)
        lines = verified.splitlines()
        assert lines[0] == f"Verifying rebalancing operation for consumer group {group}"
        assert [re.sub(r" is \S+$", "", line) for line in lines[1:4]] == \
            [f"Owner of topic {topic} partition {p}" for p in range(3)]
        assert lines[-1] == "Rebalance operation successful !"
    finally:
        for consumer in consumers:
            consumer.close()
    # No members left: nothing owns the partitions.
    wait_for(lambda: not json.loads(run_cli(["--output", "json", "group", "describe", group],
                                            module_broker.bootstrap).stdout)["members"], 30,
             "the group to empty")
    empty = script(RUN_CLASS, "kafka.tools.VerifyConsumerRebalance", *server, "--group", group)
    assert empty.returncode == 1
    assert f"No consumer is a member of group {group} (state Empty)" in empty.stdout
    assert empty.stdout.splitlines()[-1] == "Rebalance operation failed !"


def test_log_dirs_and_broker_api_versions(module_broker):
    topic = new_topic(module_broker, "ld", lines="k:v\n")
    server = ["--bootstrap-server", module_broker.bootstrap]
    lines = ok("kafka-log-dirs.sh", *server, "--describe", "--topic-list", topic).splitlines()
    assert lines[:2] == ["Querying brokers for log directories information",
                         "Received log directory information from brokers 0"]
    document = json.loads(lines[2])
    assert document["version"] == 1
    [broker] = document["brokers"]
    [log_dir] = broker["logDirs"]
    assert broker["broker"] == 0 and log_dir["logDir"] == str(module_broker.log_dir)
    assert log_dir["error"] is None
    [partition] = log_dir["partitions"]
    assert partition["partition"] == f"{topic}-0" and partition["size"] > 0
    assert partition["offsetLag"] == 0 and partition["isFuture"] is False
    same = run_class("kafka.admin.LogDirsCommand", *server, "--describe", "--broker-list", "0",
                     "--topic-list", topic)
    assert same.splitlines()[2] == lines[2]

    versions = ok("kafka-broker-api-versions.sh", *server).splitlines()
    assert versions[0] == f"{module_broker.bootstrap} (id: 0 rack: null) -> ("
    assert versions[-1] == ")"
    assert re.fullmatch(r"\tProduce\(0\): \d+ to 9 \[usable: 9\],", versions[1])
    assert any(re.fullmatch(r"\tApiVersions\(18\): 0 to 3 \[usable: 3\],", v) for v in versions)
    assert not versions[-2].endswith(",")
    unknown = script("kafka-log-dirs.sh", *server, "--describe", "--broker-list", "7")
    assert unknown.returncode == 1
    assert unknown.stderr == "error: no broker 7 in the cluster (its brokers: 0)\n"


def describe_partition(bootstrap, topic):
    result = run_cli(["--output", "json", "topic", "describe", topic], bootstrap)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)["partitions"][0]


def test_leader_elections_on_a_cluster(cluster3, tmp_path):
    bootstrap = cluster3.bootstrap_servers()
    zookeeper = cluster3.zookeeper.hosts + cluster3.chroot
    topic = "elect"
    ok("kafka-topics.sh", "--bootstrap-server", bootstrap, "--create", "--topic", topic,
       "--partitions", "1", "--replication-factor", "3")
    wait_for(lambda: len(describe_partition(bootstrap, topic)["isr"]) == 3, 30, "a full ISR")
    assert ok("kafka-leader-election.sh", "--bootstrap-server", bootstrap, "--election-type",
              "preferred", "--topic", topic, "--partition", "0") == \
        f"Valid replica already elected for partitions {topic}-0\n"

    preferred = describe_partition(bootstrap, topic)["replicas"][0]
    cluster3.stop(preferred)  # controlled shutdown: the leadership moves to another replica
    wait_for(lambda: describe_partition(bootstrap, topic)["leader"] not in (preferred, -1), 30,
             "a new leader")
    cluster3.start(preferred)
    wait_for(lambda: preferred in describe_partition(bootstrap, topic)["isr"], 60,
             f"broker {preferred} back in the ISR")
    plan = tmp_path / "election.json"
    plan.write_text(json.dumps({"partitions": [{"topic": topic, "partition": 0}]}))
    assert ok("kafka-preferred-replica-election.sh", "--zookeeper", zookeeper,
              "--path-to-json-file", str(plan)) == \
        f"Successfully completed preferred replica election for partitions {topic}-0\n"
    assert describe_partition(bootstrap, topic)["leader"] == preferred
    assert run_class("kafka.admin.PreferredReplicaLeaderElectionCommand", "--bootstrap-server",
                     bootstrap, "--path-to-json-file", str(plan)) == \
        f"Successfully completed preferred replica election for partitions {topic}-0\n"

    # Gregor's controller refuses unclean elections (INVALID_REQUEST): Kafka's lines, exit 1.
    unclean = script("kafka-leader-election.sh", "--bootstrap-server", bootstrap,
                     "--election-type", "unclean", "--topic", topic, "--partition", "0")
    assert unclean.returncode == 1
    assert unclean.stdout.startswith(
        f"Error completing leader election (UNCLEAN) for partition: {topic}-0: INVALID_REQUEST")
    assert unclean.stderr == "error: 1 replica(s) could not be elected\n"

    lines = ok("kafka-log-dirs.sh", "--bootstrap-server", bootstrap, "--describe",
               "--topic-list", topic).splitlines()
    assert lines[1] == "Received log directory information from brokers 1,2,3"
    holders = [b["broker"] for b in json.loads(lines[2])["brokers"]
               if any(p["partition"] == f"{topic}-0" for d in b["logDirs"]
                      for p in d["partitions"])]
    assert holders == [1, 2, 3]
    heads = [line for line in ok("kafka-broker-api-versions.sh", "--bootstrap-server",
                                 bootstrap).splitlines() if line.endswith("-> (")]
    assert [re.search(r"\(id: (\d) rack: null\)", h).group(1) for h in heads] == ["1", "2", "3"]


NOWHERE = ["--bootstrap-server", "127.0.0.1:1"]  # never reached: the command line is refused


@pytest.mark.parametrize("name, args", [
    (RUN_CLASS, ["kafka.tools.NoSuchTool"]),
    (RUN_CLASS, []),
    (RUN_CLASS, ["kafka.tools.GetOffsetShell", *NOWHERE, "--time", "-3"]),
    (RUN_CLASS, ["kafka.tools.ReplayLogProducer", *NOWHERE, "--inputtopic", "a"]),
    (RUN_CLASS, ["kafka.tools.VerifyConsumerRebalance", *NOWHERE]),
    (RUN_CLASS, ["kafka.tools.SimpleConsumerShell", *NOWHERE, "--topic", "t", "--offset", "-5"]),
    ("kafka-leader-election.sh", [*NOWHERE, "--all-topic-partitions"]),
    ("kafka-leader-election.sh", [*NOWHERE, "--election-type", "preferred"]),
    ("kafka-leader-election.sh", [*NOWHERE, "--election-type", "preferred", "--topic", "t"]),
    ("kafka-leader-election.sh", [*NOWHERE, "--election-type", "sideways",
                                  "--all-topic-partitions"]),
    ("kafka-log-dirs.sh", [*NOWHERE]),
    ("kafka-log-dirs.sh", [*NOWHERE, "--describe", "--broker-list", "a,b"]),
    ("kafka-broker-api-versions.sh", [*NOWHERE, "--bogus"]),
    ("kafka-preferred-replica-election.sh", [*NOWHERE, "--zookeeper", "127.0.0.1:1"]),
])
def test_wrong_command_lines_are_one_line_and_exit_2(name, args):
    result = script(name, *args)
    assert result.returncode == 2, (result.stdout, result.stderr)
    assert result.stderr.count("\n") == 1, result.stderr


def test_unknown_class_lists_the_known_ones():
    result = script(RUN_CLASS, "kafka.tools.NoSuchTool")
    assert result.returncode == 2 and result.stdout == ""
    assert result.stderr.startswith("kafka-run-class.sh: unknown class kafka.tools.NoSuchTool; "
                                     "known classes: ")
    for name in ("kafka.tools.GetOffsetShell", "kafka.tools.DumpLogSegments",
                 "kafka.admin.ConsumerGroupCommand", "kafka.tools.ReplayLogProducer",
                 "kafka.tools.SimpleConsumerShell", "kafka.tools.VerifyConsumerRebalance",
                 "kafka.admin.PreferredReplicaLeaderElectionCommand"):
        assert name in result.stderr


def test_unreachable_zookeeper_for_the_old_tools():
    result = script(RUN_CLASS, "kafka.tools.VerifyConsumerRebalance", "--zookeeper.connect",
                    "127.0.0.1:1", "--group", "g")
    assert result.returncode == 1
    assert result.stderr == "error: cannot connect to ZooKeeper at 127.0.0.1:1 within 4s: is it " \
        "running?\n"
