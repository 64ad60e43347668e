"""The admin APIs behind `gregor` over the raw wire: DescribeConfigs, AlterConfigs,
IncrementalAlterConfigs, DescribeCluster, DeleteRecords and DescribeLogDirs, with their error
codes. Requests are hand-built from the protocol specification (kafka_wire helpers)."""

import struct

import kafka_wire as w

DESCRIBE_CONFIGS, ALTER_CONFIGS, INCREMENTAL_ALTER = 32, 33, 44
DELETE_RECORDS, DESCRIBE_LOG_DIRS, DESCRIBE_CLUSTER = 21, 35, 60
TOPIC, BROKER = 2, 4
OFFSET_OUT_OF_RANGE, UNKNOWN_TOPIC, INVALID_CONFIG, INVALID_REQUEST = 1, 3, 40, 42
DYNAMIC_TOPIC_CONFIG, STATIC_BROKER_CONFIG, DEFAULT_CONFIG = 1, 4, 5


def array(items):
    return struct.pack(">i", len(items)) + b"".join(items)


def nullable_string(r):
    return r.string()


def describe_configs(conn, resources, synonyms=False):
    """DescribeConfigs v1; resources: [(type, name, keys or None)]."""
    body = array([struct.pack(">b", t) + w.kstring(n) +
                  (struct.pack(">i", -1) if keys is None else array([w.kstring(k) for k in keys]))
                  for t, n, keys in resources]) + struct.pack(">?", synonyms)
    r = w.Reader(conn.request(DESCRIBE_CONFIGS, 1, body))
    r.int32()
    results = []
    for _ in range(r.int32()):
        error, message, rtype, name = r.int16(), r.string(), r.int8(), r.string()
        configs = {}
        for _ in range(r.int32()):
            key, value, read_only, source, sensitive = r.string(), r.string(), r.int8(), r.int8(), r.int8()
            syns = [(r.string(), r.string(), r.int8()) for _ in range(r.int32())]
            configs[key] = (value, source, read_only, syns)
        results.append((error, message, rtype, name, configs))
    return results


def alter_body(resources, validate_only, incremental):
    out = []
    for rtype, name, configs in resources:
        entries = []
        for c in configs:
            if incremental:
                key, op, value = c
                entries.append(w.kstring(key) + struct.pack(">b", op) + w.kstring(value))
            else:
                key, value = c
                entries.append(w.kstring(key) + w.kstring(value))
        out.append(struct.pack(">b", rtype) + w.kstring(name) + array(entries))
    return array(out) + struct.pack(">?", validate_only)


def alter(conn, resources, validate_only=False, incremental=False):
    api = INCREMENTAL_ALTER if incremental else ALTER_CONFIGS
    r = w.Reader(conn.request(api, 0, alter_body(resources, validate_only, incremental)))
    r.int32()
    return [(r.int16(), r.string(), r.int8(), r.string()) for _ in range(r.int32())]


def topic_configs(conn, topic):
    return describe_configs(conn, [(TOPIC, topic, None)])[0][4]


def produce(conn, topic, count):
    records = [w.Record(key=None, value=b"v%d" % i) for i in range(count)]
    assert w.produce(conn, topic, 0, w.build_record_batch(records)).error_code == 0


def test_admin_apis_are_advertised(broker):
    with broker.conn() as conn:
        apis = w.api_versions(conn)
    for key, top in [(DESCRIBE_CONFIGS, 4), (ALTER_CONFIGS, 2), (INCREMENTAL_ALTER, 1),
                     (DELETE_RECORDS, 2), (DESCRIBE_LOG_DIRS, 4), (DESCRIBE_CLUSTER, 1)]:
        assert apis[key] == (0, top), (key, apis.get(key))


import pytest  # noqa: E402


@pytest.mark.broker_config({"log.retention.ms": "5000"})
def test_describe_configs_sources_and_synonyms(broker):
    with broker.conn() as conn:
        assert w.create_topic_raw(conn, "described")[0] == 0
        assert alter(conn, [(TOPIC, "described", [("max.message.bytes", "2000")])])[0][0] == 0
        (error, _, rtype, name, configs), = describe_configs(
            conn, [(TOPIC, "described", None)], synonyms=True)
        assert (error, rtype, name) == (0, TOPIC, "described")
        value, source, read_only, syns = configs["max.message.bytes"]
        assert (value, source, read_only) == ("2000", DYNAMIC_TOPIC_CONFIG, 0)
        assert syns == [("max.message.bytes", "2000", DYNAMIC_TOPIC_CONFIG),
                        ("message.max.bytes", "1048588", DEFAULT_CONFIG)]
        assert configs["retention.ms"][:2] == ("5000", STATIC_BROKER_CONFIG)
        assert configs["segment.bytes"][:2] == ("1073741824", DEFAULT_CONFIG)

        only = describe_configs(conn, [(TOPIC, "described", ["retention.ms"])])[0][4]
        assert list(only) == ["retention.ms"] and only["retention.ms"][3] == []

        results = describe_configs(conn, [(TOPIC, "nosuch", None), (BROKER, "0", None),
                                          (BROKER, "7", None)])
        assert results[0][0] == UNKNOWN_TOPIC
        assert results[1][0] == 0
        assert results[1][4]["log.retention.ms"][:3] == ("5000", STATIC_BROKER_CONFIG, 0)  # dynamic
        assert results[1][4]["num.partitions"][2] == 1  # static: read-only
        assert results[1][4]["num.partitions"][0] == "1"
        assert results[2][0] == INVALID_REQUEST


def test_alter_configs_validates_replaces_and_persists(broker):
    with broker.conn() as conn:
        assert w.create_topic_raw(conn, "altered")[0] == 0
        error, message, _, _ = alter(conn, [(TOPIC, "altered", [("retention.ms", "soon")])])[0]
        assert error == INVALID_CONFIG and "retention.ms" in message
        error, message, _, _ = alter(conn, [(TOPIC, "altered", [("no.such.key", "1")])])[0]
        assert error == INVALID_CONFIG and "no.such.key" in message
        assert alter(conn, [(TOPIC, "nosuch", [])])[0][0] == UNKNOWN_TOPIC
        assert alter(conn, [(BROKER, "0", [("num.partitions", "3")])])[0][0] == INVALID_REQUEST

        assert alter(conn, [(TOPIC, "altered", [("retention.ms", "1000")])], validate_only=True)[0][0] == 0
        assert topic_configs(conn, "altered")["retention.ms"][1] == DEFAULT_CONFIG
        assert alter(conn, [(TOPIC, "altered", [("retention.ms", "1000"),
                                                ("segment.ms", "2000")])])[0][0] == 0
        # AlterConfigs replaces the whole set: segment.ms goes back to its default.
        assert alter(conn, [(TOPIC, "altered", [("retention.ms", "3000")])])[0][0] == 0
    broker.restart()
    with broker.conn() as conn:
        configs = topic_configs(conn, "altered")
        assert configs["retention.ms"][:2] == ("3000", DYNAMIC_TOPIC_CONFIG)
        assert configs["segment.ms"][1] == DEFAULT_CONFIG


def test_incremental_alter_configs_operations(broker):
    SET, DELETE, APPEND, SUBTRACT = 0, 1, 2, 3
    with broker.conn() as conn:
        assert w.create_topic_raw(conn, "inc")[0] == 0
        assert alter(conn, [(TOPIC, "inc", [("retention.ms", SET, "1000"),
                                            ("segment.ms", SET, "2000")])], incremental=True)[0][0] == 0
        assert alter(conn, [(TOPIC, "inc", [("segment.ms", DELETE, None),
                                            ("cleanup.policy", APPEND, "compact")])],
                     incremental=True)[0][0] == 0
        configs = topic_configs(conn, "inc")
        assert configs["retention.ms"][:2] == ("1000", DYNAMIC_TOPIC_CONFIG)
        assert configs["segment.ms"][1] == DEFAULT_CONFIG
        assert configs["cleanup.policy"][0] == "delete,compact"
        assert alter(conn, [(TOPIC, "inc", [("cleanup.policy", SUBTRACT, "delete")])],
                     incremental=True)[0][0] == 0
        assert topic_configs(conn, "inc")["cleanup.policy"][0] == "compact"
        error, message, _, _ = alter(conn, [(TOPIC, "inc", [("retention.ms", APPEND, "1")])],
                                     incremental=True)[0]
        assert error == INVALID_CONFIG and "retention.ms" in message
        error, message, _, _ = alter(conn, [(TOPIC, "inc", [("segment.bytes", SET, "x")])],
                                     incremental=True)[0]
        assert error == INVALID_CONFIG and "segment.bytes" in message
        error, _, _, _ = alter(conn, [(TOPIC, "inc", [("retention.ms", SET, "1"),
                                                      ("retention.ms", DELETE, None)])],
                               incremental=True)[0]
        assert error == INVALID_REQUEST


def test_max_message_bytes_change_applies_to_the_running_partition(broker):
    with broker.conn() as conn:
        assert w.create_topic_raw(conn, "limits")[0] == 0
        big = w.build_record_batch([w.Record(key=None, value=b"x" * 500)])
        assert w.produce(conn, "limits", 0, big).error_code == 0
        assert alter(conn, [(TOPIC, "limits", [("max.message.bytes", "200")])])[0][0] == 0
        assert w.produce(conn, "limits", 0, big).error_code == w.ERR_MESSAGE_TOO_LARGE


def delete_records(conn, topic, offsets):
    body = array([w.kstring(topic) + array([struct.pack(">iq", p, o) for p, o in offsets])])
    r = w.Reader(conn.request(DELETE_RECORDS, 1, body + struct.pack(">i", 5000)))
    r.int32()
    out = []
    for _ in range(r.int32()):
        r.string()
        out += [(r.int32(), r.int64(), r.int16()) for _ in range(r.int32())]
    return out


def test_delete_records(broker):
    with broker.conn() as conn:
        assert w.create_topic_raw(conn, "trimmed", partitions=2)[0] == 0
        produce(conn, "trimmed", 5)
        assert delete_records(conn, "trimmed", [(0, 2)]) == [(0, 2, 0)]
        assert delete_records(conn, "trimmed", [(0, 6)]) == [(0, -1, OFFSET_OUT_OF_RANGE)]
        assert delete_records(conn, "trimmed", [(0, -7)]) == [(0, -1, OFFSET_OUT_OF_RANGE)]
        assert delete_records(conn, "trimmed", [(0, -1), (1, -1)]) == [(0, 5, 0), (1, 0, 0)]
        assert delete_records(conn, "trimmed", [(9, 0)]) == [(9, -1, UNKNOWN_TOPIC)]
        assert delete_records(conn, "nosuch", [(0, 0)]) == [(0, -1, UNKNOWN_TOPIC)]


def test_describe_log_dirs(broker):
    with broker.conn() as conn:
        assert w.create_topic_raw(conn, "sized")[0] == 0
        produce(conn, "sized", 3)
        r = w.Reader(conn.request(DESCRIBE_LOG_DIRS, 1, struct.pack(">i", -1)))
        r.int32()
        dirs = {}
        for _ in range(r.int32()):
            error, log_dir = r.int16(), r.string()
            topics = {}
            for _ in range(r.int32()):
                name = r.string()
                topics[name] = [(r.int32(), r.int64(), r.int64(), r.int8()) for _ in range(r.int32())]
            dirs[log_dir] = (error, topics)
    assert list(dirs) == [str(broker.log_dir.resolve())]
    error, topics = dirs[str(broker.log_dir.resolve())]
    assert error == 0
    (index, size, lag, future), = topics["sized"]
    assert (index, lag, future) == (0, 0, 0)
    assert size == broker.active_segment("sized").stat().st_size > 0


def test_describe_cluster(broker):
    with broker.conn() as conn:
        r = w.Reader(conn.request(DESCRIBE_CLUSTER, 0, b"\x00" + w.uvarint(0), flexible=True))
    r.skip_tagged()
    assert r.int32() == 0 and r.int16() == 0
    assert r.compact_string() is None
    cluster_id = r.compact_string()
    assert len(cluster_id) > 10
    assert r.int32() == 0  # controller
    assert r.uvarint() - 1 == 1
    assert (r.int32(), r.compact_string(), r.int32()) == (0, "127.0.0.1", broker.port)
