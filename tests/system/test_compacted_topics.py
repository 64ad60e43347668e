"""Compacted topics seen by clients: a record without a key is refused with INVALID_RECORD and
nothing of its batch is stored, while the keyed records around it are."""

from __future__ import annotations

import pytest
from confluent_kafka import KafkaError

import kafka_wire
from kafka_wire import Record, build_record_batch
from systest_helpers import consume_partition, create_topic, make_producer, unique_topic

ERR_INVALID_RECORD = 87


def deliver(bootstrap, topic, records, **conf):
    """Produces (key, value) pairs to partition 0; returns one delivery error (or None) each."""
    producer = make_producer(bootstrap, acks="all", **conf)
    errors = [None] * len(records)

    def report(index):
        return lambda err, msg: errors.__setitem__(index, err)

    for index, (key, value) in enumerate(records):
        producer.produce(topic, key=key, value=value, partition=0, on_delivery=report(index))
        if conf.get("linger.ms") == 0:
            producer.flush(20)  # one record per request
    assert producer.flush(20) == 0
    return errors


@pytest.mark.parametrize("policy", ["compact", "compact,delete"])
def test_keyless_record_is_refused_and_keyed_neighbours_arrive(module_broker, policy):
    topic = unique_topic("keyless")
    create_topic(module_broker.bootstrap, topic, 1, **{"cleanup.policy": policy})
    errors = deliver(module_broker.bootstrap, topic,
                     [(b"k1", b"v1"), (None, b"no key"), (b"k2", b"v2"), (None, None)],
                     **{"linger.ms": 0})
    assert errors[0] is None and errors[2] is None, errors
    for err in (errors[1], errors[3]):
        assert err is not None and err.code() == KafkaError.INVALID_RECORD, err
    msgs = consume_partition(module_broker.bootstrap, topic, 0, expected=2)
    assert [(m.offset(), m.key(), m.value()) for m in msgs] == [(0, b"k1", b"v1"), (1, b"k2", b"v2")]


@pytest.mark.parametrize("codec", ["none", "gzip", "lz4", "zstd"])
def test_one_keyless_record_refuses_its_whole_batch(module_broker, codec):
    topic = unique_topic("keylessbatch")
    create_topic(module_broker.bootstrap, topic, 1, **{"cleanup.policy": "compact"})
    # linger.ms: the three records leave in one batch (compressed with `codec`).
    errors = deliver(module_broker.bootstrap, topic, [(b"a", b"1"), (None, b"2"), (b"b", b"3")],
                     **{"linger.ms": 1000, "compression.type": codec})
    assert all(err is not None for err in errors), errors
    assert errors[1].code() == KafkaError.INVALID_RECORD, errors[1]
    assert deliver(module_broker.bootstrap, topic, [(b"c", b"4")], **{"linger.ms": 0}) == [None]
    msgs = consume_partition(module_broker.bootstrap, topic, 0, expected=1)
    assert [(m.offset(), m.key()) for m in msgs] == [(0, b"c")]


def test_refusal_names_the_reason_and_every_keyless_record(module_broker):
    topic = unique_topic("keylesswire")
    create_topic(module_broker.bootstrap, topic, 1, **{"cleanup.policy": "compact"})
    batch = build_record_batch([Record(b"k", b"v"), Record(None, b"x"), Record(None, None)])
    with module_broker.conn() as conn:
        result = kafka_wire.produce(conn, topic, 0, batch, version=8)
        assert result.error_code == ERR_INVALID_RECORD
        assert "compacted" in result.error_message and "key" in result.error_message
        assert [index for index, _ in result.record_errors] == [1, 2]
        assert all(message == result.error_message for _, message in result.record_errors)
        # A keyed batch right after it is appended at offset 0: nothing of the refused one
        # took an offset.
        ok = kafka_wire.produce(conn, topic, 0, build_record_batch([Record(b"k", b"w")]), version=8)
        assert (ok.error_code, ok.base_offset, ok.record_errors, ok.error_message) == (0, 0, [], None)


def test_keyless_records_are_fine_on_a_delete_topic(module_broker):
    topic = unique_topic("keylessdelete")
    create_topic(module_broker.bootstrap, topic, 1, **{"cleanup.policy": "delete"})
    assert deliver(module_broker.bootstrap, topic, [(None, b"x")], **{"linger.ms": 0}) == [None]
