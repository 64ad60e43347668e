"""A consumer that commits asynchronously after every few records, and the committed offset read
back: it must be the last one committed, whatever order the commits' records became durable in
(committed offsets once went backwards).

The stream of commits starts once the coordinator has answered one commit. Before that, a commit
can be answered COORDINATOR_LOAD_IN_PROGRESS or COORDINATOR_NOT_AVAILABLE, which librdkafka retries
after a backoff: the retry then reaches the coordinator after newer commits and wins, with Kafka as
with Gregor. Every commit of the stream must succeed at its first attempt for the check to mean
anything, so their results are collected and checked too."""

from __future__ import annotations

import time

from confluent_kafka import Consumer, KafkaException, TopicPartition

from systest_helpers import make_producer

DEADLINE_S = 60.0
SETTLE_S = 10.0


def produce_records(bootstrap: str, topic: str, count: int) -> None:
    producer = make_producer(bootstrap, acks="all")
    for i in range(count):
        producer.produce(topic, value=f"r{i}".encode(), partition=0)
    assert producer.flush(30) == 0


def _consumer(bootstrap: str, group: str, **extra) -> Consumer:
    return Consumer({
        "bootstrap.servers": bootstrap,
        "group.id": group,
        "enable.auto.commit": False,
        "auto.offset.reset": "earliest",
        "fetch.wait.max.ms": 100,
        **extra,
    })


def _commit_once_coordinator_answers(consumer: Consumer, topic: str) -> None:
    deadline = time.monotonic() + DEADLINE_S
    while True:
        try:
            consumer.commit(offsets=[TopicPartition(topic, 0, 0)], asynchronous=False)
            return
        except KafkaException as error:
            assert error.args[0].retriable(), error
            assert time.monotonic() < deadline, f"the coordinator never answered: {error}"
            time.sleep(0.2)


def consume_committing_async(bootstrap: str, topic: str, group: str, count: int, every: int) -> None:
    """Consumes `count` records of partition 0, committing asynchronously after every `every`
    records and after the last one. Fails if any of those commits failed."""
    failures: list[str] = []
    answers = [0]

    def on_commit(error, partitions) -> None:
        if all(p.offset <= 0 for p in partitions):
            return  # the first, synchronous commit of offset 0 (its callback may come late)
        answers[0] += 1
        if error is not None:
            failures.append(str(error))

    consumer = _consumer(bootstrap, group, on_commit=on_commit)
    try:
        _commit_once_coordinator_answers(consumer, topic)
        failures.clear()
        answers[0] = 0
        sent = 0
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
                sent += 1
        while answers[0] < sent:
            assert time.monotonic() < deadline, f"{answers[0]} of {sent} commits answered"
            consumer.poll(0.1)
    finally:
        consumer.close()
    assert not failures, f"commits failed: {failures[:5]}"


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
