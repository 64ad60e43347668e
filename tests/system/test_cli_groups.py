"""`gregor group` and `gregor consume --group` against a real broker, with real confluent-kafka
consumers in the groups: describe (members, assignments, committed offsets, lag), reset-offsets
(dry run, --execute, every target, refused while members are active), delete, and the error
cases (unknown group, empty id, unreachable broker, usage) with their exact lines and exit codes.
"""

import json
import time

import pytest
from confluent_kafka import Consumer, TopicPartition

from cli_runner import run_cli
from systest_helpers import free_port, unique_topic

FAST = {"group.initial.rebalance.delay.ms": "0", "offsets.topic.num.partitions": "3"}
TIMEOUT = 60.0


def ok(broker, *args, input=None):
    result = run_cli(list(args), broker.bootstrap, input=input)
    assert result.returncode == 0, (args, result.stdout, result.stderr)
    return result.stdout


def fails(broker, *args, code=1):
    result = run_cli(list(args), broker.bootstrap)
    assert result.returncode == code, (args, result.stdout, result.stderr)
    return result.stderr


def described(broker, group):
    return json.loads(ok(broker, "group", "describe", group, "--output", "json"))


def wait_state(broker, group, state):
    deadline = time.monotonic() + TIMEOUT
    while time.monotonic() < deadline:
        if described(broker, group)["state"] == state:
            return
        time.sleep(0.2)
    raise AssertionError(f"group {group} never reached {state}")


def member(broker, group, client_id):
    return Consumer({"bootstrap.servers": broker.bootstrap, "group.id": group,
                     "client.id": client_id, "session.timeout.ms": 6000,
                     "heartbeat.interval.ms": 500, "enable.auto.commit": False,
                     "auto.offset.reset": "earliest"})


def poll_until_assigned(consumers, partitions):
    deadline = time.monotonic() + TIMEOUT
    while time.monotonic() < deadline:
        for c in consumers:
            c.poll(0.05)
        owned = [{tp.partition for tp in c.assignment()} for c in consumers]
        if all(owned) and set().union(*owned) == set(partitions) and sum(map(len, owned)) == len(partitions):
            return
    raise AssertionError("the group never settled")


def committed_rows(broker, group):
    return {(r["topic"], r["partition"]): (r["committed"], r["log_end"], r["lag"])
            for r in described(broker, group)["offsets"]}


@pytest.fixture
def topic(broker):
    """A topic with two partitions holding five messages each (m0..m4 in each)."""
    name = unique_topic("gt")
    ok(broker, "topic", "create", name, "--partitions", "2")
    for p in (0, 1):
        ok(broker, "produce", name, "--partition", str(p), input="".join(f"m{i}\n" for i in range(5)))
    return name


@pytest.mark.broker_config(FAST)
def test_describe_shows_members_assignments_and_lag(broker, topic):
    group = unique_topic("g")
    consumers = [member(broker, group, "alpha"), member(broker, group, "beta")]
    try:
        for c in consumers:
            c.subscribe([topic])
        poll_until_assigned(consumers, [0, 1])
        consumers[0].commit(offsets=[TopicPartition(topic, p, 3) for p in (0, 1)
                                     if p in {tp.partition for tp in consumers[0].assignment()}],
                            asynchronous=False)
        consumers[1].commit(offsets=[TopicPartition(topic, p, 3) for p in (0, 1)
                                     if p in {tp.partition for tp in consumers[1].assignment()}],
                            asynchronous=False)
        wait_state(broker, group, "Stable")
        out = described(broker, group)
        assert out["group"] == group and out["assignor"] == "range" and out["coordinator"] == 0
        assert sorted(m["client_id"] for m in out["members"]) == ["alpha", "beta"]
        owner = {a["partition"]: m["member"] for m in out["members"] for a in m["assignment"]}
        assert sorted(owner) == [0, 1]
        assert [(r["partition"], r["committed"], r["log_end"], r["lag"], r["member"])
                for r in out["offsets"]] == [(0, 3, 5, 2, owner[0]), (1, 3, 5, 2, owner[1])]

        text = ok(broker, "group", "describe", group)
        assert text.startswith(f"Group: {group}  State: Stable  Members: 2  Coordinator: 0  "
                               "Assignor: range\n")
        lines = text.splitlines()
        assert lines[1].split() == ["MEMBER", "CLIENT_ID", "HOST", "ASSIGNMENT"]
        assert all(len(line.split()) == 4 for line in lines[2:4])  # "-" for what is unknown
        assert lines[4].split() == ["TOPIC", "PARTITION", "COMMITTED", "LOG_END", "LAG", "MEMBER"]
        assert lines[5].split() == [topic, "0", "3", "5", "2", owner[0]]
        assert {"group": group, "state": "Stable"} in json.loads(
            ok(broker, "group", "list", "--output", "json"))
        assert ok(broker, "group", "list").splitlines()[0].split() == ["GROUP", "STATE"]
    finally:
        for c in consumers:
            c.close()
    wait_state(broker, group, "Empty")
    assert described(broker, group)["members"] == []
    # A partition never committed has no lag to show; an Empty group keeps its offsets.
    ok(broker, "produce", topic, "--partition", "0", input="late\n")
    assert committed_rows(broker, group)[(topic, 0)] == (3, 6, 3)


@pytest.mark.broker_config(FAST)
def test_reset_offsets_refused_while_members_are_active(broker, topic):
    group = unique_topic("g")
    consumer = member(broker, group, "busy")
    try:
        consumer.subscribe([topic])
        poll_until_assigned([consumer], [0, 1])
        consumer.commit(offsets=[TopicPartition(topic, 0, 4)], asynchronous=False)
        wait_state(broker, group, "Stable")
        for execute in ([], ["--execute"]):
            stderr = fails(broker, "group", "reset-offsets", group, "--topic", topic,
                           "--to-earliest", *execute)
            assert stderr == (f"error: cannot reset offsets of group '{group}': it has 1 active "
                              "member(s) (state Stable); stop its consumers first\n")
        assert fails(broker, "group", "delete", group) == (
            f"error: cannot delete group '{group}': it has active members; stop its consumers "
            "first\n")
    finally:
        consumer.close()
    assert committed_rows(broker, group)[(topic, 0)][0] == 4  # nothing changed


@pytest.mark.broker_config(FAST)
def test_reset_offsets_dry_run_then_execute_every_target(broker, topic):
    group = unique_topic("g")
    # A first pass of a group consumer commits everything (5 and 5).
    out = ok(broker, "consume", topic, "--group", group, "--from-beginning", "--exit-at-end")
    assert sorted(out.split()) == sorted([f"m{i}" for i in range(5)] * 2)
    assert committed_rows(broker, group) == {(topic, 0): (5, 5, 0), (topic, 1): (5, 5, 0)}
    assert ok(broker, "consume", topic, "--group", group, "--exit-at-end") == ""

    def reset(*args):
        result = run_cli(["group", "reset-offsets", group, *args], broker.bootstrap)
        assert result.returncode == 0, (args, result.stderr)
        rows = [line.split() for line in result.stdout.splitlines()]
        assert rows[0] == ["TOPIC", "PARTITION", "CURRENT", "NEW"]
        return rows[1:], result.stderr

    rows, note = reset("--topic", topic, "--to-earliest")
    assert rows == [[topic, "0", "5", "0"], [topic, "1", "5", "0"]]
    assert note == "Dry run: nothing changed; add --execute to apply\n"
    assert committed_rows(broker, group)[(topic, 0)][0] == 5  # a dry run changes nothing
    rows, note = reset("--topic", f"{topic}:1", "--to-earliest", "--execute")
    assert rows == [[topic, "1", "5", "0"]]
    assert note == f"Committed the new offsets of group {group}\n"
    assert committed_rows(broker, group) == {(topic, 0): (5, 5, 0), (topic, 1): (0, 5, 5)}

    assert reset("--all-topics", "--shift-by", "2", "--execute")[0] == \
        [[topic, "0", "5", "5"], [topic, "1", "0", "2"]]  # kept within the log
    assert reset("--all-topics", "--shift-by", "-3", "--execute")[0] == \
        [[topic, "0", "5", "2"], [topic, "1", "2", "0"]]
    assert reset("--topic", topic, "--to-offset", "4", "--execute")[0] == \
        [[topic, "0", "2", "4"], [topic, "1", "0", "4"]]
    assert reset("--topic", topic, "--to-offset", "99", "--dry-run")[0] == \
        [[topic, "0", "4", "5"], [topic, "1", "4", "5"]]
    assert reset("--topic", topic, "--to-latest", "--execute")[0] == \
        [[topic, "0", "4", "5"], [topic, "1", "4", "5"]]
    assert reset("--topic", topic, "--to-datetime", "2000-01-01T00:00:00Z", "--execute")[0] == \
        [[topic, "0", "5", "0"], [topic, "1", "5", "0"]]
    future = str(int(time.time() * 1000) + 3_600_000)
    assert reset("--topic", f"{topic}:0", "--to-datetime", future, "--execute")[0] == \
        [[topic, "0", "0", "5"]]
    json_rows = json.loads(ok(broker, "group", "reset-offsets", group, "--topic", f"{topic}:1",
                              "--to-offset", "3", "--output", "json"))
    assert json_rows == [{"topic": topic, "partition": 1, "current": 0, "new": 3}]

    # The group's next consumer starts where the reset put it: partition 1 from offset 0.
    assert ok(broker, "consume", topic, "--group", group, "--exit-at-end",
              "--format", "%p:%v") == "".join(f"1:m{i}\n" for i in range(5))


@pytest.mark.broker_config(FAST)
def test_reset_offsets_errors(broker, topic):
    group = unique_topic("g")
    assert fails(broker, "group", "reset-offsets", group, "--all-topics", "--to-earliest") == (
        f"error: group '{group}' has no committed offsets: name the topics with --topic\n")
    assert fails(broker, "group", "reset-offsets", group, "--topic", topic, "--shift-by", "1") == (
        f"error: cannot shift {topic}-0: the group has no committed offset there; use "
        "--to-offset, --to-earliest or --to-latest\n")
    assert fails(broker, "group", "reset-offsets", group, "--topic", "nosuch", "--to-latest") == (
        "error: unknown topic 'nosuch': see `gregor topic list`, or create it with "
        "`gregor topic create nosuch`\n")
    assert fails(broker, "group", "reset-offsets", group, "--topic", f"{topic}:7",
                 "--to-latest") == f"error: topic '{topic}' has no partition 7 (it has 2)\n"
    assert fails(broker, "group", "reset-offsets", group, "--topic", f"{topic}:x",
                 "--to-latest") == (f"error: --topic {topic}:x: partitions must be "
                                    f"comma-separated numbers, as in {topic}:0,1\n")
    assert "--to-datetime 'soon'" in fails(broker, "group", "reset-offsets", group, "--topic",
                                           topic, "--to-datetime", "soon")
    # A new group may be given offsets before its first consumer starts, as in Kafka.
    ok(broker, "group", "reset-offsets", group, "--topic", topic, "--to-offset", "2", "--execute")
    assert committed_rows(broker, group) == {(topic, 0): (2, 5, 3), (topic, 1): (2, 5, 3)}
    for args in ([], ["--topic", topic], ["--all-topics", "--to-latest", "--topic", topic],
                 ["--topic", topic, "--to-latest", "--to-earliest"],
                 ["--topic", topic, "--to-latest", "--execute", "--dry-run"]):
        fails(broker, "group", "reset-offsets", group, *args, code=2)


@pytest.mark.broker_config(FAST)
def test_delete_group_and_unknown_or_empty_ids(broker, topic):
    group = unique_topic("g")
    ok(broker, "consume", topic, "--group", group, "--from-beginning", "--max-messages", "3")
    wait_state(broker, group, "Empty")
    assert ok(broker, "group", "delete", group) == f"Deleted group {group}\n"
    assert group not in ok(broker, "group", "list")
    unknown = f"error: unknown group '{group}': see `gregor group list`\n"
    assert fails(broker, "group", "describe", group) == unknown
    assert fails(broker, "group", "delete", group) == unknown
    empty = "error: the group id is empty: name a group (see `gregor group list`)\n"
    for args in (["describe", ""], ["delete", ""], ["reset-offsets", "", "--all-topics",
                                                    "--to-latest"]):
        assert fails(broker, "group", *args) == empty
    fails(broker, "group", code=2)
    fails(broker, "group", "describe", code=2)


def test_group_commands_with_no_broker_are_one_line():
    dead = f"127.0.0.1:{free_port()}"
    for args in (["group", "list"], ["group", "describe", "g"], ["group", "delete", "g"],
                 ["group", "reset-offsets", "g", "--all-topics", "--to-latest"]):
        result = run_cli(["--timeout", "2"] + args, dead)
        assert result.returncode == 1, (args, result.stderr)
        assert result.stderr == (f"error: cannot reach a broker at {dead} within 2 s: check "
                                 "--bootstrap-server (or GREGOR_BOOTSTRAP_SERVER) and that the "
                                 "broker is running\n"), args


@pytest.mark.broker_config(FAST)
def test_consume_in_a_group_resumes_and_stops_when_idle(broker, topic):
    group = unique_topic("g")
    first = ok(broker, "consume", topic, "--group", group, "--from-beginning",
               "--idle-timeout-ms", "3000", "--format", "%p:%o")
    assert sorted(first.split()) == sorted(f"{p}:{o}" for p in (0, 1) for o in range(5))
    ok(broker, "produce", topic, "--partition", "1", input="new\n")
    assert ok(broker, "consume", topic, "--group", group, "--idle-timeout-ms", "3000") == "new\n"
    fails(broker, "consume", topic, "--group", group, "--partition", "0", code=2)
