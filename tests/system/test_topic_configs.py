"""Every topic config Kafka 3.x has, through real clients: accepted by CreateTopics, AlterConfigs
and IncrementalAlterConfigs, validated, described with its value, source and synonyms
(confluent-kafka's AdminClient, kafka-python's KafkaAdminClient, `gregor config` on librdkafka,
and the raw wire for synonyms); compression.type recompressing produced batches; the timestamp
bounds refusing records too far from the broker's clock."""

import json
import time

import pytest

from cli_runner import run_cli
from systest_helpers import (CODEC_IDS, admin_client, consume_partition, create_topic,
                             error_name, make_producer, stored_codecs, unique_topic)
from test_admin_apis import TOPIC, alter, describe_configs

DYNAMIC_TOPIC_CONFIG, DYNAMIC_DEFAULT_BROKER_CONFIG = 1, 3
STATIC_BROKER_CONFIG, DEFAULT_CONFIG = 4, 5
SET = 0  # IncrementalAlterConfigs operation

# Kafka 3.9's topic configs: key -> (Kafka's default, another valid value, an invalid value).
KAFKA_TOPIC_CONFIGS = {
    "cleanup.policy": ("delete", "compact,delete", "shred"),
    "compression.type": ("producer", "gzip", "brotli"),
    "compression.gzip.level": ("-1", "6", "0"),
    "compression.lz4.level": ("9", "3", "18"),
    "compression.zstd.level": ("3", "10", "23"),
    "delete.retention.ms": ("86400000", "1000", "-5"),
    "file.delete.delay.ms": ("60000", "0", "-1"),
    "flush.messages": ("9223372036854775807", "1000", "0"),
    "flush.ms": ("9223372036854775807", "5000", "-1"),
    "follower.replication.throttled.replicas": ("", "0:0", "zero"),
    "index.interval.bytes": ("4096", "8192", "-1"),
    "leader.replication.throttled.replicas": ("", "*", "0:x"),
    "local.retention.bytes": ("-2", "1000000", "-3"),
    "local.retention.ms": ("-2", "-1", "-3"),
    "max.compaction.lag.ms": ("9223372036854775807", "600000", "0"),
    "max.message.bytes": ("1048588", "2000000", "-1"),
    "message.downconversion.enable": ("true", "false", "maybe"),
    "message.format.version": ("3.0-IV1", "2.8-IV1", "4.0"),
    "message.timestamp.after.max.ms": ("9223372036854775807", "3600000", "-1"),
    "message.timestamp.before.max.ms": ("9223372036854775807", "86400000", "soon"),
    "message.timestamp.difference.max.ms": ("9223372036854775807", "86400000", "-1"),
    "message.timestamp.type": ("CreateTime", "LogAppendTime", "WallTime"),
    "min.cleanable.dirty.ratio": ("0.5", "0.25", "1.5"),
    "min.compaction.lag.ms": ("0", "1000", "-1"),
    "min.insync.replicas": ("1", "1", "0"),
    "preallocate": ("false", "true", "yes"),
    "remote.log.copy.disable": ("false", "true", "2"),
    "remote.log.delete.on.disable": ("false", "true", "no"),
    "remote.storage.enable": ("false", "false", "true"),
    "retention.bytes": ("-1", "1073741824", "lots"),
    "retention.ms": ("604800000", "86400000", "-2"),
    "segment.bytes": ("1073741824", "104857600", "13"),
    "segment.index.bytes": ("10485760", "1048576", "2"),
    "segment.jitter.ms": ("0", "1000", "-1"),
    "segment.ms": ("604800000", "3600000", "0"),
    "unclean.leader.election.enable": ("false", "true", "sometimes"),
}
NON_DEFAULT = {k: v[1] for k, v in KAFKA_TOPIC_CONFIGS.items()}


def describe_ck(bootstrap, topic):
    """{key: ConfigEntry} through confluent-kafka (librdkafka)."""
    from confluent_kafka.admin import ConfigResource

    admin = admin_client(bootstrap)  # kept alive until the result is in
    fs = admin.describe_configs([ConfigResource(ConfigResource.Type.TOPIC, topic)])
    return next(iter(fs.values())).result(timeout=15)


def source_of(entry):
    """A confluent-kafka ConfigEntry's source as Kafka's number (the binding gives an enum)."""
    return int(getattr(entry.source, "value", entry.source))


def create_ck(bootstrap, topic, configs):
    """CreateTopics through confluent-kafka; the future's exception, or None."""
    from confluent_kafka.admin import NewTopic

    admin = admin_client(bootstrap)  # kept alive until the result is in
    fs = admin.create_topics(
        [NewTopic(topic, num_partitions=1, replication_factor=1, config=configs)],
        request_timeout=15)
    try:
        fs[topic].result(timeout=15)
        return None
    except Exception as e:  # noqa: BLE001 - the KafkaException is what is checked
        return e.args[0]


def test_every_kafka_topic_config_is_described_with_kafkas_default(module_broker):
    topic = unique_topic("defaults")
    create_topic(module_broker.bootstrap, topic)
    described = describe_ck(module_broker.bootstrap, topic)
    for key, (default, _, _) in KAFKA_TOPIC_CONFIGS.items():
        assert key in described, key
        assert described[key].value == default, (key, described[key].value)
        assert source_of(described[key]) == DEFAULT_CONFIG, (key, described[key].source)


def test_every_kafka_topic_config_is_accepted_at_create(module_broker):
    topic = unique_topic("all")
    assert create_ck(module_broker.bootstrap, topic, NON_DEFAULT) is None
    described = describe_ck(module_broker.bootstrap, topic)
    for key, value in NON_DEFAULT.items():
        assert described[key].value == value, (key, described[key].value)
        assert source_of(described[key]) == DYNAMIC_TOPIC_CONFIG, (key, described[key].source)


@pytest.mark.parametrize("key", sorted(KAFKA_TOPIC_CONFIGS))
def test_a_bad_value_is_invalid_config_naming_key_and_value(module_broker, key):
    bad = KAFKA_TOPIC_CONFIGS[key][2]
    err = create_ck(module_broker.bootstrap, unique_topic("bad"), {key: bad})
    assert err is not None and err.name() == "INVALID_CONFIG", (key, err)
    assert f"Invalid value {bad} for configuration {key}" in err.str(), err.str()


def test_an_unknown_key_is_still_unknown(module_broker):
    err = create_ck(module_broker.bootstrap, unique_topic("unknown"), {"compression.codec": "gzip"})
    assert err.name() == "INVALID_CONFIG"
    assert "Unknown topic config name: compression.codec" in err.str()


def test_every_config_is_altered_by_kafka_python(module_broker):
    from kafka.admin import ConfigResource, ConfigResourceType, KafkaAdminClient

    topic = unique_topic("kp")
    create_topic(module_broker.bootstrap, topic)
    admin = KafkaAdminClient(bootstrap_servers=module_broker.bootstrap)
    try:
        response = admin.alter_configs([ConfigResource(ConfigResourceType.TOPIC, topic,
                                                       configs=NON_DEFAULT)])
        assert [r[0] for r in response.resources] == [0], response.resources
        bad = admin.alter_configs([ConfigResource(ConfigResourceType.TOPIC, topic,
                                                  configs={"preallocate": "perhaps"})])
        assert bad.resources[0][0] == 40, bad.resources  # INVALID_CONFIG
        assert "preallocate" in bad.resources[0][1] and "perhaps" in bad.resources[0][1]
        described = admin.describe_configs([ConfigResource(ConfigResourceType.TOPIC, topic)])
        entries = {e[0]: e for e in described[0].resources[0][4]}
    finally:
        admin.close()
    for key, value in NON_DEFAULT.items():
        assert entries[key][1] == value, (key, entries[key])


def test_every_config_is_set_incrementally_and_failures_change_nothing(module_broker):
    topic = unique_topic("inc")
    create_topic(module_broker.bootstrap, topic)
    with module_broker.conn() as conn:
        ops = [(key, SET, value) for key, value in NON_DEFAULT.items()]
        assert alter(conn, [(TOPIC, topic, ops)], incremental=True)[0][0] == 0
        failed = alter(conn, [(TOPIC, topic, [("file.delete.delay.ms", SET, "-7"),
                                              ("preallocate", SET, "false")])], incremental=True)
        assert failed[0][0] == 40 and "file.delete.delay.ms" in failed[0][1], failed
        configs = describe_configs(conn, [(TOPIC, topic, None)])[0][4]
    for key, value in NON_DEFAULT.items():
        assert configs[key][0] == value and configs[key][1] == DYNAMIC_TOPIC_CONFIG, key


def test_gregor_config_get_and_set_every_new_key(module_broker):
    topic = unique_topic("cli")
    create_topic(module_broker.bootstrap, topic)
    keys = ["compression.type=zstd", "preallocate=true", "message.format.version=2.8",
            "message.downconversion.enable=false", "file.delete.delay.ms=0",
            "message.timestamp.difference.max.ms=3600000"]
    result = run_cli(["config", "set", "--topic", topic, *keys], module_broker.bootstrap)
    assert result.returncode == 0, result.stderr
    result = run_cli(["config", "get", "--topic", topic, "--output", "json"],
                     module_broker.bootstrap)
    rows = {r["name"]: r for r in json.loads(result.stdout)}
    for pair in keys:
        key, value = pair.split("=")
        assert rows[key]["value"] == value and rows[key]["source"] == "DYNAMIC_TOPIC_CONFIG", rows[key]
    assert rows["compression.lz4.level"]["source"] == "DEFAULT_CONFIG"
    bad = run_cli(["config", "set", "--topic", topic, "compression.type=brotli"],
                  module_broker.bootstrap)
    assert bad.returncode == 1 and "compression.type" in bad.stderr and "brotli" in bad.stderr


def produce_values(bootstrap, topic, values, **conf):
    """Delivery errors by name (None when delivered), one per value."""
    producer = make_producer(bootstrap, **conf)
    errors = []
    for v in values:
        producer.produce(topic, v, on_delivery=lambda err, msg: errors.append(error_name(err)))
    producer.flush(20)
    return errors


@pytest.mark.parametrize("topic_codec,producer_codec,stored", [
    ("gzip", "none", "gzip"),
    ("uncompressed", "lz4", "none"),
    ("zstd", "snappy", "zstd"),
    ("producer", "lz4", "lz4"),
    ("producer", "none", "none"),
])
def test_compression_type_decides_the_stored_codec(module_broker, topic_codec, producer_codec,
                                                   stored):
    topic = unique_topic("codec")
    create_topic(module_broker.bootstrap, topic, **{"compression.type": topic_codec})
    values = [f"record {i} ".encode() * 20 for i in range(200)]
    errors = produce_values(module_broker.bootstrap, topic, values,
                            **{"compression.codec": producer_codec, "linger.ms": 20})
    assert errors == [None] * len(values)
    assert stored_codecs(module_broker, topic) == {CODEC_IDS[stored]}
    got = consume_partition(module_broker.bootstrap, topic, expected=len(values))
    assert [m.value() for m in got] == values


def test_a_changed_compression_type_applies_to_the_next_batches(module_broker):
    topic = unique_topic("recodec")
    create_topic(module_broker.bootstrap, topic)
    assert produce_values(module_broker.bootstrap, topic, [b"plain"]) == [None]
    with module_broker.conn() as conn:
        assert alter(conn, [(TOPIC, topic, [("compression.type", SET, "gzip")])],
                     incremental=True)[0][0] == 0
    assert produce_values(module_broker.bootstrap, topic, [b"zipped"]) == [None]
    assert stored_codecs(module_broker, topic) == {CODEC_IDS["none"], CODEC_IDS["gzip"]}
    got = consume_partition(module_broker.bootstrap, topic, expected=2)
    assert [m.value() for m in got] == [b"plain", b"zipped"]


def test_timestamps_too_far_from_the_broker_clock_are_invalid(module_broker):
    topic = unique_topic("ts")
    create_topic(module_broker.bootstrap, topic,
                 **{"message.timestamp.difference.max.ms": "60000"})
    producer = make_producer(module_broker.bootstrap)
    results = []
    now_ms = int(time.time() * 1000)
    for ts in (now_ms - 3_600_000, now_ms + 3_600_000, now_ms):
        producer.produce(topic, b"v", timestamp=ts,
                         on_delivery=lambda e, m: results.append(error_name(e)))
        producer.flush(20)
    assert results == ["INVALID_TIMESTAMP", "INVALID_TIMESTAMP", None]
    assert len(consume_partition(module_broker.bootstrap, topic, expected=1)) == 1


@pytest.mark.broker_config({"log.retention.hours": "24", "log.roll.ms": "3600000",
                            "compression.type": "lz4", "log.preallocate": "true"})
def test_synonyms_carry_each_broker_key_with_its_own_source(broker):
    topic = unique_topic("syn")
    create_topic(broker.bootstrap, topic, **{"segment.ms": "7200000"})
    with broker.conn() as conn:
        assert alter(conn, [(4, "", [("log.retention.ms", SET, "7200000")])],
                     incremental=True)[0][0] == 0
        configs = describe_configs(conn, [(TOPIC, topic, None)], synonyms=True)[0][4]
    value, source, _, synonyms = configs["retention.ms"]
    assert (value, source) == ("7200000", DYNAMIC_DEFAULT_BROKER_CONFIG)
    assert synonyms == [("log.retention.ms", "7200000", DYNAMIC_DEFAULT_BROKER_CONFIG),
                        ("log.retention.hours", "24", STATIC_BROKER_CONFIG),
                        ("log.retention.hours", "168", DEFAULT_CONFIG)]
    value, source, _, synonyms = configs["segment.ms"]
    assert (value, source) == ("7200000", DYNAMIC_TOPIC_CONFIG)
    assert synonyms == [("segment.ms", "7200000", DYNAMIC_TOPIC_CONFIG),
                        ("log.roll.ms", "3600000", STATIC_BROKER_CONFIG),
                        ("log.roll.hours", "168", DEFAULT_CONFIG)]
    assert configs["compression.type"][:2] == ("lz4", STATIC_BROKER_CONFIG)
    assert configs["compression.type"][3] == [("compression.type", "lz4", STATIC_BROKER_CONFIG),
                                              ("compression.type", "producer", DEFAULT_CONFIG)]
    assert configs["preallocate"][:2] == ("true", STATIC_BROKER_CONFIG)
    assert configs["remote.storage.enable"][1:] == (DEFAULT_CONFIG, 0, [])
    # The broker default lz4 applies to a topic that does not say otherwise.
    assert produce_values(broker.bootstrap, topic, [b"x" * 100]) == [None]
    assert stored_codecs(broker, topic) == {CODEC_IDS["lz4"]}
