"""A group consumer run as its own process by test_groups.py (so that it can be kill -9'ed).

    groups_consumer.py <bootstrap> <group> <topic> <out-file> [session-timeout-ms] [max-seconds]

Writes one line per event to <out-file>, flushed at once:
    assigned <p,p,...>      after each rebalance
    msg <partition> <offset> <value>
    committed <partition> <next offset>   after a synchronous commit of that message succeeded
Exits by itself after max-seconds (default 120) so that no test leaves it running forever.
"""

import sys
import time

from confluent_kafka import Consumer, KafkaException


def main() -> None:
    bootstrap, group, topic, out_path = sys.argv[1:5]
    session = sys.argv[5] if len(sys.argv) > 5 else "6000"
    max_seconds = float(sys.argv[6]) if len(sys.argv) > 6 else 120.0
    out = open(out_path, "a", buffering=1)
    consumer = Consumer({
        "bootstrap.servers": bootstrap,
        "group.id": group,
        "session.timeout.ms": int(session),
        "heartbeat.interval.ms": 500,
        "enable.auto.commit": False,
        "auto.offset.reset": "earliest",
        "topic.metadata.refresh.interval.ms": 1000,
    })

    def on_assign(c, partitions):
        out.write("assigned " + ",".join(str(p.partition) for p in partitions) + "\n")

    consumer.subscribe([topic], on_assign=on_assign)
    deadline = time.monotonic() + max_seconds
    while time.monotonic() < deadline:
        msg = consumer.poll(0.2)
        if msg is None or msg.error():
            continue
        out.write(f"msg {msg.partition()} {msg.offset()} {msg.value().decode()}\n")
        try:
            consumer.commit(message=msg, asynchronous=False)
            out.write(f"committed {msg.partition()} {msg.offset() + 1}\n")
        except KafkaException as e:
            out.write(f"commit-failed {msg.partition()} {msg.offset()} {e}\n")
    consumer.close()


if __name__ == "__main__":
    main()
