"""CreateTopics v7 over the wire: the response describes the new topic's whole configuration,
with overrides marked as topic configs and the rest as defaults; bad configs name the key."""

import struct

import kafka_wire as w

API_CREATE_TOPICS = 19
DYNAMIC_TOPIC_CONFIG = 1
DEFAULT_CONFIG = 5


def create_v7(conn, name, configs, partitions=2):
    body = w.uvarint(2) + w.compact_string(name) + struct.pack(">ih", partitions, -1)
    body += w.uvarint(1)  # assignments: none
    body += w.uvarint(len(configs) + 1)
    for key, value in configs.items():
        body += w.compact_string(key) + w.compact_string(value) + w.uvarint(0)
    body += w.uvarint(0)  # topic tagged fields
    body += struct.pack(">i?", 10000, False) + w.uvarint(0)
    return conn.request(API_CREATE_TOPICS, 7, body, flexible=True)


def decode_v7(payload):
    r = w.Reader(payload)
    r.skip_tagged()  # response header v1
    r.int32()  # throttle
    assert r.uvarint() - 1 == 1
    name = r.compact_string()
    r.pos += 16  # topic id
    error, message = r.int16(), r.compact_string()
    partitions, replication = r.int32(), r.int16()
    configs = {}
    count = r.uvarint() - 1
    for _ in range(max(count, 0)):
        key, value = r.compact_string(), r.compact_string()
        read_only, source, sensitive = r.int8(), r.int8(), r.int8()
        r.skip_tagged()
        configs[key] = (value, source, read_only, sensitive)
    return name, error, message, partitions, replication, configs


def test_create_topics_v7_describes_the_configuration(broker):
    with broker.conn() as conn:
        name, error, message, partitions, replication, configs = decode_v7(
            create_v7(conn, "described", {"retention.ms": "12345"}))
    assert (name, error, partitions, replication) == ("described", 0, 2, 1), message
    assert configs["retention.ms"] == ("12345", DYNAMIC_TOPIC_CONFIG, 0, 0)
    assert configs["segment.bytes"] == ("1073741824", DEFAULT_CONFIG, 0, 0)
    assert configs["cleanup.policy"][0] == "delete"
    assert configs["message.timestamp.type"][0] == "CreateTime"


def test_create_topics_bad_config_names_the_key(broker):
    with broker.conn() as conn:
        _, error, message, *_ = decode_v7(create_v7(conn, "badconfig", {"retention.ms": "soon"}))
        assert error == 40, message  # INVALID_CONFIG
        assert "retention.ms" in message
        _, error, message, *_ = decode_v7(create_v7(conn, "badconfig", {"no.such.key": "1"}))
        assert error == 40, message
        assert "no.such.key" in message
    with broker.conn() as conn:  # nothing was created by the failed attempts
        _, error, message, *_ = decode_v7(create_v7(conn, "badconfig", {}))
        assert error == 0, message
