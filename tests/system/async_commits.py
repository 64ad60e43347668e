"""A consumer that commits asynchronously after every few records, and the committed offset read
back: it must be the last one committed, whatever order the commits' records became durable in
(committed offsets once went backwards)."""

from __future__ import annotations

import time

from confluent_kafka import Consumer, TopicPartition

from systest_helpers import make_producer

DEADLINE_S = 60.0
SETTLE_S = 10.0


def produce_records(bootstrap: str, topic: str, count: int) -> None:
    producer = make_producer(bootstrap, acks="all")
    for i in range(count):
        producer.produce(topic, value=f"r{i}".encode(), partition=0)
    assert producer.flush(30) == 0


def _consumer(bootstrap: str, group: str) -> Consumer:
    return Consumer({
        "bootstrap.servers": bootstrap,
        "group.id": group,
        "enable.auto.commit": False,
        "auto.offset.reset": "earliest",
        "fetch.wait.max.ms": 100,
    })


def consume_committing_async(bootstrap: str, topic: str, group: str, count: int, every: int) -> None:
    """Consumes `count` records of partition 0, committing asynchronously after every `every`
    records and after the last one."""
    consumer = _consumer(bootstrap, group)
    try:
        consumer.assign([TopicPartition(topic, 0, 0)])
        consumed = 0
        deadline = time.monotonic() + DEADLINE_S
        while consumed < count:
            assert time.monotonic() < deadline, f"consumed {consumed} of {count} records"
            msg = consumer.poll(0.2)
            if msg is None or msg.error():
                continue
            consumed += 1
            if consumed % every == 0 or consumed == count:
                consumer.commit(offsets=[TopicPartition(topic, 0, msg.offset() + 1)],
                                asynchronous=True)
    finally:
        consumer.close()


def committed_offset(bootstrap: str, topic: str, group: str, expected: int) -> int:
    """The group's committed offset of partition 0, waiting a bounded time for it to become
    `expected` (the last commit's answer may still be on its way). A stale offset stays stale,
    so a caller's assertion against `expected` still fails on one."""
    consumer = _consumer(bootstrap, group)
    try:
        committed = -1
        settle = time.monotonic() + SETTLE_S
        while committed != expected and time.monotonic() < settle:
            committed = consumer.committed([TopicPartition(topic, 0)], timeout=10)[0].offset
            if committed != expected:
                time.sleep(0.1)
        return committed
    finally:
        consumer.close()
