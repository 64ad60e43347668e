"""AlterConfigs and IncrementalAlterConfigs on BROKER resources, answered per resource and per key
as Kafka 3.2+ answers them: every non-dynamic key listed in one INVALID_REQUEST, per-broker keys
refused at the cluster default only, keys Kafka does not know stored as custom keys, Kafka's
dynamic keys accepted and described, one refused resource leaving the others of the request
alone, and validate_only giving the same answers without storing anything."""

import struct

import pytest

import kafka_wire as w
from cli_runner import run_cli
from systest_helpers import admin_client, create_topic, unique_topic
from test_admin_apis import (ALTER_CONFIGS, BROKER, INCREMENTAL_ALTER, INVALID_REQUEST, alter_body,
                             describe_configs)

NONE = 0
SET = 0
DYNAMIC_BROKER_CONFIG, DYNAMIC_DEFAULT_BROKER_CONFIG = 2, 3
NOT_DYNAMIC = "Cannot update these configs dynamically: "
PER_BROKER = ("Cannot update these configs at default cluster level, broker id must be "
              "specified: ")


def flexible_body(resources, validate_only, incremental):
    """AlterConfigs v2 / IncrementalAlterConfigs v1: compact arrays and strings, tagged fields."""
    def compact_array(items):
        return w.uvarint(len(items) + 1) + b"".join(items)
    out = []
    for rtype, name, configs in resources:
        entries = []
        for c in configs:
            key, value = (c[0], c[2]) if incremental else c
            op = struct.pack(">b", c[1]) if incremental else b""
            entries.append(w.compact_string(key) + op + w.compact_string(value) + w.uvarint(0))
        out.append(struct.pack(">b", rtype) + w.compact_string(name) + compact_array(entries) +
                   w.uvarint(0))
    return compact_array(out) + struct.pack(">?", validate_only) + w.uvarint(0)


def alter_at(conn, version, resources, validate_only=False, incremental=False):
    """AlterConfigs v0-v2 or IncrementalAlterConfigs v0-v1 (v2 and v1 are flexible):
    [(error, message, type, name)] in request order."""
    api = INCREMENTAL_ALTER if incremental else ALTER_CONFIGS
    flexible = version >= (1 if incremental else 2)
    if not flexible:
        r = w.Reader(conn.request(api, version, alter_body(resources, validate_only, incremental)))
        r.int32()
        return [(r.int16(), r.string(), r.int8(), r.string()) for _ in range(r.int32())]
    r = w.Reader(conn.request(api, version, flexible_body(resources, validate_only, incremental),
                              flexible=True))
    r.skip_tagged()  # the response header's
    r.int32()
    results = []
    for _ in range(r.uvarint() - 1):
        results.append((r.int16(), r.compact_string(), r.int8(), r.compact_string()))
        r.skip_tagged()
    return results


def stored(conn, name):
    """The dynamic broker configs stored for `name` ("0" or "" for the cluster default)."""
    (error, _, _, _, configs), = describe_configs(conn, [(BROKER, name, None)])
    assert error == NONE
    return {key: (value, source) for key, (value, source, _, _) in configs.items()
            if source in (DYNAMIC_BROKER_CONFIG, DYNAMIC_DEFAULT_BROKER_CONFIG)}


@pytest.fixture
def conn(module_broker):
    """A connection to a broker whose dynamic configs are cleared before and after the test."""
    with module_broker.conn() as c:
        clear = [(BROKER, "0", []), (BROKER, "", [])]
        assert [e for e, *_ in alter_at(c, 0, clear)] == [NONE, NONE]
        yield c
        alter_at(c, 0, clear)


@pytest.mark.parametrize("legacy,incremental", [(0, 0), (1, 0), (2, 1)])
def test_every_non_dynamic_key_is_named_and_nothing_is_stored(conn, legacy, incremental):
    """The same answer from every version of both requests."""
    configs = [("num.partitions", "3"), ("log.retention.ms", "1000"), ("broker.id", "5"),
               ("log.retention.hours", "1"), ("num.io.threads", "8")]
    for is_incremental, version in ((False, legacy), (True, incremental)):
        entries = [(k, SET, v) for k, v in configs] if is_incremental else configs
        (error, message, rtype, name), = alter_at(conn, version, [(BROKER, "0", entries)],
                                                  incremental=is_incremental)
        assert (error, rtype, name) == (INVALID_REQUEST, BROKER, "0")
        assert message == NOT_DYNAMIC + "Set(broker.id, log.retention.hours, num.partitions)"
    assert stored(conn, "0") == {}


def test_dynamic_and_unknown_keys_are_stored_and_described(conn):
    configs = [("num.io.threads", "16"), ("num.network.threads", "4"),
               ("log.cleaner.threads", "2"), ("log.retention.ms", "3600000"),
               ("my.custom.key", "anything")]
    assert alter_at(conn, 1, [(BROKER, "0", configs)]) == [(NONE, None, BROKER, "0")]
    assert stored(conn, "0") == {key: (value, DYNAMIC_BROKER_CONFIG) for key, value in configs}

    at_default = [("num.io.threads", SET, "12"), ("other.custom", SET, "x")]
    assert alter_at(conn, 0, [(BROKER, "", at_default)], incremental=True) == \
        [(NONE, None, BROKER, "")]
    assert stored(conn, "") == {"num.io.threads": ("12", DYNAMIC_DEFAULT_BROKER_CONFIG),
                                "other.custom": ("x", DYNAMIC_DEFAULT_BROKER_CONFIG)}
    # This broker's own value wins over the cluster default, which stays as a synonym.
    (_, _, _, _, configs0), = describe_configs(conn, [(BROKER, "0", ["num.io.threads"])], True)
    value, source, read_only, synonyms = configs0["num.io.threads"]
    assert (value, source, read_only) == ("16", DYNAMIC_BROKER_CONFIG, 0)
    assert synonyms[:2] == [("num.io.threads", "16", DYNAMIC_BROKER_CONFIG),
                            ("num.io.threads", "12", DYNAMIC_DEFAULT_BROKER_CONFIG)]


def test_per_broker_keys_are_refused_at_the_cluster_default_only(conn):
    listeners = [("listener.name.plaintext.max.connections.per.ip", "10"),
                 ("advertised.listeners", "PLAINTEXT://127.0.0.1:1"),
                 ("listener.name.plaintext.ssl.keystore.location", "/k")]
    (error, message, _, _), = alter_at(conn, 0, [(BROKER, "", listeners)], validate_only=True)
    assert error == INVALID_REQUEST
    assert message == PER_BROKER + ("Set(advertised.listeners, "
                                    "listener.name.plaintext.max.connections.per.ip, "
                                    "listener.name.plaintext.ssl.keystore.location)")
    # With this broker's id they are valid (validate_only: Gregor has no listener to change).
    assert alter_at(conn, 0, [(BROKER, "0", listeners)], validate_only=True)[0][0] == NONE
    assert stored(conn, "0") == {}


def test_one_bad_resource_leaves_the_others_alone(conn):
    resources = [(BROKER, "0", [("num.io.threads", "8")]),
                 (BROKER, "", [("listeners", "PLAINTEXT://:1"), ("log.retention.ms", "5")])]
    good, bad = alter_at(conn, 1, resources)
    assert good == (NONE, None, BROKER, "0")
    assert bad == (INVALID_REQUEST, PER_BROKER + "Set(listeners)", BROKER, "")
    assert stored(conn, "0") == {"num.io.threads": ("8", DYNAMIC_BROKER_CONFIG)}
    assert stored(conn, "") == {}


def test_validate_only_answers_the_same_and_stores_nothing(conn):
    resources = [(BROKER, "0", [("num.io.threads", "8"), ("my.key", "v")]),
                 (BROKER, "", [("zookeeper.connect", "z:2181"), ("log.dirs", "/d")])]
    for incremental in (False, True):
        body = [(t, n, [(k, SET, v) for k, v in c]) for t, n, c in resources] \
            if incremental else resources
        good, bad = alter_at(conn, 0, body, validate_only=True, incremental=incremental)
        assert good[0] == NONE
        assert bad[:2] == (INVALID_REQUEST, NOT_DYNAMIC + "Set(log.dirs, zookeeper.connect)")
    assert stored(conn, "0") == {} and stored(conn, "") == {}


def test_bad_values_and_resource_names(conn):
    (error, message, _, _), = alter_at(conn, 0, [(BROKER, "0", [("num.io.threads", "many")])])
    assert (error, message) == (INVALID_REQUEST, "Invalid value many for configuration "
                                "num.io.threads: Not a number of type INT")
    assert alter_at(conn, 0, [(BROKER, "7", [])])[0][:2] == \
        (INVALID_REQUEST, "Unexpected broker id, expected 0, but received 7")
    assert alter_at(conn, 0, [(BROKER, "x", [])])[0][:2] == \
        (INVALID_REQUEST, "Node id must be an integer, but it is: x")
    twice = [(BROKER, "0", [("num.io.threads", "8")]), (BROKER, "0", [])]
    assert [r[:2] for r in alter_at(conn, 0, twice)] == \
        [(INVALID_REQUEST, "Each resource must appear at most once.")] * 2


def test_confluent_kafka_alter_configs(module_broker, conn):
    """librdkafka refuses an empty resource name itself: the refused resource is this broker,
    next to a topic that is changed in the same request."""
    from confluent_kafka import KafkaException
    from confluent_kafka.admin import ConfigResource

    topic = unique_topic("ck")
    create_topic(module_broker.bootstrap, topic)
    admin = admin_client(module_broker.bootstrap)
    keep = {"num.io.threads": "8", "log.retention.ms": "60000"}
    admin.alter_configs([ConfigResource(ConfigResource.Type.BROKER, "0", set_config=keep)],
                        request_timeout=10)[ConfigResource(ConfigResource.Type.BROKER, "0")] \
        .result(timeout=10)

    good = ConfigResource(ConfigResource.Type.TOPIC, topic, set_config={"retention.ms": "1000"})
    bad = ConfigResource(ConfigResource.Type.BROKER, "0",
                         set_config={"num.partitions": "3", "broker.id": "1",
                                     "num.io.threads": "9"})
    futures = admin.alter_configs([good, bad], request_timeout=10)
    futures[good].result(timeout=10)
    with pytest.raises(KafkaException) as refused:
        futures[bad].result(timeout=10)
    error = refused.value.args[0]
    assert error.code() == INVALID_REQUEST
    assert NOT_DYNAMIC + "Set(broker.id, num.partitions)" in error.str()
    assert stored(conn, "0") == {key: (value, DYNAMIC_BROKER_CONFIG) for key, value in keep.items()}


def test_kafka_python_alter_configs(module_broker, conn):
    from kafka.admin import ConfigResource, ConfigResourceType, KafkaAdminClient

    admin = KafkaAdminClient(bootstrap_servers=module_broker.bootstrap, request_timeout_ms=10000)
    try:
        response = admin.alter_configs([
            ConfigResource(ConfigResourceType.BROKER, "0", {"background.threads": "4",
                                                             "custom.thing": "1"}),
            ConfigResource(ConfigResourceType.BROKER, "",
                           {"log.message.format.version": "2.8",
                            "log.roll.hours": "1"}),
        ])
    finally:
        admin.close()
    results = {name: (code, message) for code, message, _, name in response.resources}
    assert results["0"] == (NONE, None)
    assert results[""] == (INVALID_REQUEST,
                           NOT_DYNAMIC + "Set(log.message.format.version, log.roll.hours)")
    assert stored(conn, "0") == {"background.threads": ("4", DYNAMIC_BROKER_CONFIG),
                                 "custom.thing": ("1", DYNAMIC_BROKER_CONFIG)}


def test_null_values_and_duplicate_keys(conn):
    body = struct.pack(">i", 1) + struct.pack(">b", BROKER) + w.kstring("0") + \
        struct.pack(">i", 2) + w.kstring("a") + w.kstring(None) + w.kstring("b") + \
        w.kstring(None) + struct.pack(">?", False)
    r = w.Reader(conn.request(ALTER_CONFIGS, 0, body))
    r.int32()
    r.int32()
    assert (r.int16(), r.string()) == (INVALID_REQUEST, "Null value not supported for : a, b")
    dup = [(BROKER, "0", [("num.io.threads", "8"), ("num.io.threads", "9")])]
    assert alter_at(conn, 0, dup)[0][:2] == (INVALID_REQUEST, "Error due to duplicate config keys")


def test_gregor_config_set_broker(module_broker, conn):
    """`gregor config set --broker` (librdkafka's AlterConfigs): a dynamic key Gregor only
    stores is accepted and described; static keys are refused together."""
    def cli(*args):
        return run_cli(["config", "set", "--broker", "0", *args], module_broker.bootstrap)

    accepted = cli("num.io.threads=8", "my.custom.key=1")
    assert accepted.returncode == 0, accepted.stderr
    assert stored(conn, "0") == {"num.io.threads": ("8", DYNAMIC_BROKER_CONFIG),
                                 "my.custom.key": ("1", DYNAMIC_BROKER_CONFIG)}
    refused = cli("num.partitions=3", "log.dirs=/x", "num.io.threads=9")
    assert refused.returncode == 1
    assert NOT_DYNAMIC + "Set(log.dirs, num.partitions)" in refused.stderr
