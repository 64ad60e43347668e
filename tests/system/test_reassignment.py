"""Partition reassignment on a 3-broker cluster (AlterPartitionReassignments,
ListPartitionReassignments): a partition moves to other brokers with its records, the old replica
drops its log, and the requests' error cases."""

from __future__ import annotations

import json
import time

from confluent_kafka import KafkaError, KafkaException
from confluent_kafka.admin import ConfigResource

import reassign_wire as wire
from cli_runner import run_cli
from test_kafka_scripts import script
from kafka_wire import Conn, build_request
from systest_helpers import admin_client, consume_partition, create_topic, unique_topic, wait_for
from test_replication import partitions_of, produce_all

NOT_CONTROLLER = 41
UNKNOWN_TOPIC_OR_PARTITION = 3
INVALID_REPLICA_ASSIGNMENT = 39
NO_REASSIGNMENT_IN_PROGRESS = 85


def controller_id(bootstrap: str) -> int:
    return admin_client(bootstrap).list_topics(timeout=10).controller_id


def connect(cluster, broker_id: int) -> Conn:
    return Conn("127.0.0.1", cluster.broker_port(broker_id))


def filled_topic(bootstrap: str, prefix: str, values: list[bytes], partitions: int = 1) -> str:
    """A new topic with one replica per partition and `values` in its partition 0."""
    topic = unique_topic(prefix)
    create_topic(bootstrap, topic, partitions=partitions, replication_factor=1)
    assert produce_all(bootstrap, topic, values) == [None] * len(values)
    return topic


def test_partition_moves_to_other_brokers_with_its_records(cluster3):
    bootstrap = cluster3.bootstrap_servers()
    values = [f"m{i}".encode() for i in range(300)]
    topic = filled_topic(bootstrap, "move", values)
    (old,) = partitions_of(bootstrap, topic)[0][1]
    target = sorted(b for b in (1, 2, 3) if b != old)

    with connect(cluster3, controller_id(bootstrap)) as conn:
        error, results = wire.alter(conn, {(topic, 0): target})
        assert (error, results) == (0, {(topic, 0): 0})
        wait_for(lambda: wire.list_moves(conn)[1] == {}, 60, "the move to finish")

    wait_for(lambda: partitions_of(bootstrap, topic)[0][1:] == (target, target), 30,
             f"replicas and ISR {target}")
    got = consume_partition(bootstrap, topic, 0, expected=len(values))
    assert [m.value() for m in got] == values
    # The old replica dropped its log (renamed for deletion, then removed).
    wait_for(lambda: not (cluster3.log_dir(old) / f"{topic}-0").exists(), 30, "the old log to go")
    # And the new replicas take writes.
    assert produce_all(bootstrap, topic, [b"after"]) == [None]


def test_reassignment_errors(cluster3):
    bootstrap = cluster3.bootstrap_servers()
    topic = unique_topic("moveerr")
    create_topic(bootstrap, topic, partitions=1, replication_factor=1)
    controller = controller_id(bootstrap)
    other = next(b for b in (1, 2, 3) if b != controller)

    with connect(cluster3, other) as conn:
        error, results = wire.alter(conn, {(topic, 0): [1, 2]})
        assert error == NOT_CONTROLLER and results == {}
        assert wire.list_moves(conn)[0] == NOT_CONTROLLER

    with connect(cluster3, controller) as conn:
        _, results = wire.alter(conn, {
            ("no-such-topic", 0): [1],
            (topic, 7): [1],
            (topic, 0): [1, 99],
        })
        assert results == {
            ("no-such-topic", 0): UNKNOWN_TOPIC_OR_PARTITION,
            (topic, 7): UNKNOWN_TOPIC_OR_PARTITION,
            (topic, 0): INVALID_REPLICA_ASSIGNMENT,
        }
        assert wire.alter(conn, {(topic, 0): [2, 2]})[1] == {(topic, 0): INVALID_REPLICA_ASSIGNMENT}
        assert wire.alter(conn, {(topic, 0): []})[1] == {(topic, 0): INVALID_REPLICA_ASSIGNMENT}
        # Cancelling when nothing moves.
        assert wire.alter(conn, {(topic, 0): None})[1] == {(topic, 0): NO_REASSIGNMENT_IN_PROGRESS}
        assert wire.list_moves(conn) == (0, {})

    # A malformed request closes the connection; the broker carries on.
    with connect(cluster3, controller) as conn:
        conn.send(build_request(wire.ALTER, 0, 5, b"\x00\x01", flexible=True))  # 2 of 4 bytes
        assert conn.wait_closed()
    with connect(cluster3, controller) as conn:
        assert wire.list_moves(conn) == (0, {})
    # Nothing was moved by any of this.
    assert len(partitions_of(bootstrap, topic)[0][1]) == 1


def test_cli_moves_a_partition_and_lists_moves(cluster3, tmp_path):
    bootstrap = cluster3.bootstrap_servers()
    values = [f"c{i}".encode() for i in range(50)]
    topic = filled_topic(bootstrap, "clim", values, partitions=2)
    layout = partitions_of(bootstrap, topic)
    target = sorted(b for b in (1, 2, 3) if b != layout[0][1][0])[:2]

    done = run_cli(["partitions", "reassign", "--topic", topic, "--partition", "0",
                    "--replicas", ",".join(map(str, target))], bootstrap)
    assert done.returncode == 0, done.stderr
    assert "started" in done.stdout
    wait_for(lambda: "No partition is being moved" in run_cli(["partitions", "reassignments"],
                                                              bootstrap).stdout, 60, "the move")
    wait_for(lambda: partitions_of(bootstrap, topic)[0][1] == target, 30, f"replicas {target}")
    assert [m.value() for m in consume_partition(bootstrap, topic, 0, expected=50)] == values

    # Kafka's plan file; a bad one is refused with a one-line error.
    plan = tmp_path / "plan.json"
    plan.write_text(f'{{"version":1,"partitions":[{{"topic":"{topic}","partition":1,'
                    f'"replicas":[{target[0]}]}}]}}')
    # Through Kafka's script, as the plan file's users would run it.
    done = script("kafka-reassign-partitions.sh", "--bootstrap-server", bootstrap,
                  "--reassignment-json-file", str(plan), "--execute")
    assert done.returncode == 0, done.stderr
    assert f"Successfully started partition reassignments for {topic}-1" in done.stdout
    wait_for(lambda: partitions_of(bootstrap, topic)[1][1] == [target[0]], 60, "partition 1 moved")
    done = script("kafka-reassign-partitions.sh", "--bootstrap-server", bootstrap,
                  "--reassignment-json-file", str(plan), "--verify")
    assert f"Reassignment of partition {topic}-1 is complete." in done.stdout, done.stderr

    plan.write_text('{"version":1}')
    bad = run_cli(["partitions", "reassign", "--reassignment-json-file", str(plan)], bootstrap)
    assert bad.returncode != 0 and "not a reassignment plan" in bad.stderr
    bad = run_cli(["partitions", "reassign", "--topic", topic, "--partition", "0",
                   "--replicas", "99"], bootstrap)
    assert bad.returncode != 0 and "INVALID_REPLICA_ASSIGNMENT" in bad.stdout + bad.stderr
    bad = run_cli(["partitions", "reassign", "--topic", topic, "--partition", "0", "--cancel"],
                  bootstrap)
    assert bad.returncode != 0 and "NO_REASSIGNMENT_IN_PROGRESS" in bad.stdout + bad.stderr


def config(bootstrap: str, *args: str, code: int = 0) -> str:
    result = run_cli(list(args), bootstrap)
    assert result.returncode == code, (args, result.stdout, result.stderr)
    return result.stdout if code == 0 else result.stderr


def replica_bytes(cluster, broker_id: int, topic: str) -> int:
    """The size of a broker's log of partition 0 (0 while it has none)."""
    folder = cluster.log_dir(broker_id) / f"{topic}-0"
    return sum(f.stat().st_size for f in folder.glob("*.log")) if folder.exists() else 0


def test_throttled_move_stays_in_progress_until_the_throttle_is_removed(cluster3):
    bootstrap = cluster3.bootstrap_servers()
    values = [f"{i:05d}".encode() + bytes(10000) for i in range(600)]  # ~6 MB
    topic = filled_topic(bootstrap, "throttled", values)
    (old,) = partitions_of(bootstrap, topic)[0][1]
    new = next(b for b in (1, 2, 3) if b != old)
    leader_bytes = replica_bytes(cluster3, old, topic)
    assert leader_bytes > 5_000_000

    for broker in (old, new):
        config(bootstrap, "config", "set", "--broker", str(broker),
               "leader.replication.throttled.rate=1000000",
               "follower.replication.throttled.rate=1000000")
    config(bootstrap, "config", "set", "--topic", topic,
           f"leader.replication.throttled.replicas=0:{old}",
           f"follower.replication.throttled.replicas=0:{new}")

    with connect(cluster3, controller_id(bootstrap)) as conn:
        assert wire.alter(conn, {(topic, 0): [new]}) == (0, {(topic, 0): 0})
        wait_for(lambda: replica_bytes(cluster3, new, topic) > 0, 30, "the copy to start")
        time.sleep(1.5)
        # About 1 MB a second: far from done (6 MB) after a second and a half.
        assert (topic, 0) in wire.list_moves(conn)[1]
        assert replica_bytes(cluster3, new, topic) < 0.8 * leader_bytes
        # The CLI keeps a throttle while a move needs it.
        assert config(bootstrap, "partitions", "reassignments", "--clear-throttle", code=1) \
            .endswith("error: throttle kept: 1 partition(s) still moving\n")

        for broker in (old, new):
            config(bootstrap, "config", "delete", "--broker", str(broker),
                   "leader.replication.throttled.rate", "follower.replication.throttled.rate")
        config(bootstrap, "config", "delete", "--topic", topic,
               "leader.replication.throttled.replicas", "follower.replication.throttled.replicas")
        wait_for(lambda: wire.list_moves(conn)[1] == {}, 60, "the move to finish")

    wait_for(lambda: partitions_of(bootstrap, topic)[0][1:] == ([new], [new]), 30, "moved")
    got = consume_partition(bootstrap, topic, 0, expected=len(values))
    assert [m.value() for m in got] == values


def admin_error(bootstrap: str, kind, name: str, key: str, value: str):
    """The Kafka error code of an AlterConfigs setting `key` to `value`."""
    resource = ConfigResource(kind, name, set_config={key: value})
    admin = admin_client(bootstrap)  # alive until the answer
    future = admin.alter_configs([resource])[resource]
    try:
        future.result(timeout=10)
    except KafkaException as e:
        return e.args[0].code()
    return None


def test_throttle_configs_refuse_bad_values(cluster3):
    bootstrap = cluster3.bootstrap_servers()
    topic = unique_topic("throttlebad")
    create_topic(bootstrap, topic, partitions=1, replication_factor=1)
    for bad in ("0", "0:x", "x:1", "-1:1", "*,0:1", "0:1:2"):
        err = config(bootstrap, "config", "set", "--topic", topic,
                     f"leader.replication.throttled.replicas={bad}", code=1)
        assert err == (f"error: topic '{topic}': Invalid value {bad} for configuration "
                       "leader.replication.throttled.replicas: must be empty, * or a list of "
                       f"partition:broker pairs (0:101,1:102), not {bad.split(',')[0]}\n"), err
    assert admin_error(bootstrap, ConfigResource.Type.TOPIC, topic,
                       "follower.replication.throttled.replicas", "0:") == KafkaError.INVALID_CONFIG
    assert admin_error(bootstrap, ConfigResource.Type.BROKER, "1",
                       "leader.replication.throttled.rate", "-1") == KafkaError.INVALID_REQUEST
    err = config(bootstrap, "config", "set", "--topic", topic,
                 "leader.replication.throttled.rate=100", code=1)
    assert "Unknown topic config name: leader.replication.throttled.rate" in err, err
    for bad in ("-5", "0", "fast"):
        err = config(bootstrap, "config", "set", "--broker", "1",
                     f"follower.replication.throttled.rate={bad}", code=1)
        assert "follower.replication.throttled.rate" in err and bad in err, err
    # The accepted forms, read back as given; nothing else changed.
    for good in ("*", "0:1,0:2", ""):
        config(bootstrap, "config", "set", "--topic", topic,
               f"follower.replication.throttled.replicas={good}")
        rows = json.loads(config(bootstrap, "--output", "json", "config", "get", "--topic", topic))
        row = {r["name"]: r for r in rows}["follower.replication.throttled.replicas"]
        assert row["value"] == good
    assert produce_all(bootstrap, topic, [b"kept"]) == [None]
    assert [m.value() for m in consume_partition(bootstrap, topic, 0, expected=1)] == [b"kept"]


def throttle_configs(bootstrap: str, resource: list[str]) -> dict:
    rows = json.loads(config(bootstrap, "--output", "json", "config", "get", *resource))
    return {r["name"]: r["value"] for r in rows if r["source"].startswith("DYNAMIC")
            and "replication.throttled" in r["name"]}


def test_cli_throttle_is_set_for_the_move_and_cleared_after_it(cluster3, tmp_path):
    bootstrap = cluster3.bootstrap_servers()
    values = [f"t{i}".encode() for i in range(50)]
    topic = filled_topic(bootstrap, "clithrottle", values)
    (old,) = partitions_of(bootstrap, topic)[0][1]
    new = next(b for b in (1, 2, 3) if b != old)
    plan = tmp_path / "plan.json"
    plan.write_text(f'{{"version":1,"partitions":[{{"topic":"{topic}","partition":0,'
                    f'"replicas":[{new}]}}]}}')

    done = script("kafka-reassign-partitions.sh", "--bootstrap-server", bootstrap,
                  "--reassignment-json-file", str(plan), "--execute", "--throttle", "50000000")
    assert done.returncode == 0, done.stderr
    assert "The inter-broker throttle limit was set to 50000000 B/s" in done.stdout
    assert throttle_configs(bootstrap, ["--topic", topic]) == {
        "leader.replication.throttled.replicas": f"0:{old}",
        "follower.replication.throttled.replicas": f"0:{new}",
    }
    for broker in (old, new):
        assert throttle_configs(bootstrap, ["--broker", str(broker)]) == {
            "leader.replication.throttled.rate": "50000000",
            "follower.replication.throttled.rate": "50000000",
        }
    wait_for(lambda: partitions_of(bootstrap, topic)[0][1] == [new], 60, "the move")
    wait_for(lambda: "No partition is being moved" in run_cli(["partitions", "reassignments"],
                                                              bootstrap).stdout, 60, "the end")

    done = script("kafka-reassign-partitions.sh", "--bootstrap-server", bootstrap,
                  "--reassignment-json-file", str(plan), "--verify")
    assert "Throttle was removed." in done.stdout, done.stdout + done.stderr
    assert throttle_configs(bootstrap, ["--topic", topic]) == {}
    for broker in (1, 2, 3):
        assert throttle_configs(bootstrap, ["--broker", str(broker)]) == {}
    assert [m.value() for m in consume_partition(bootstrap, topic, 0, expected=50)] == values

    bad = run_cli(["partitions", "reassign", "--topic", topic, "--replicas", str(old),
                   "--throttle", "-1"], bootstrap)
    assert bad.returncode != 0 and "--throttle" in bad.stderr, bad.stderr
