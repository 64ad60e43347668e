"""Helper process for test_durability and test_failover: produce sequence-numbered records with
acks=all and append every acknowledged "<seq> <partition> <offset>" line to a file, flushed per
delivery.

    /usr/bin/python3 acked_producer.py BOOTSTRAP TOPIC ACKED_FILE MAX_SECONDS [PARTITIONS [RATE]]

Record `seq` goes to partition seq % PARTITIONS (default 1); at most RATE records a second are
sent (default: as fast as the queue takes them). The producer retries without
idempotence, one request in flight, so acknowledgements of a partition come in offset order and
a retried record may be stored twice (at two offsets, each acknowledged at most once). Runs until
MAX_SECONDS elapse (bounded) or it is killed.
"""

import sys
import time

from confluent_kafka import Producer

VALUE_PAD = b"." * 80


def value_for(seq: int) -> bytes:
    return f"seq-{seq:09d}-".encode() + VALUE_PAD


def main() -> int:
    bootstrap, topic, acked_path, max_seconds = sys.argv[1], sys.argv[2], sys.argv[3], float(sys.argv[4])
    partitions = int(sys.argv[5]) if len(sys.argv) > 5 else 1
    rate = float(sys.argv[6]) if len(sys.argv) > 6 else None
    out = open(acked_path, "a", buffering=1)
    p = Producer(
        {
            "bootstrap.servers": bootstrap,
            "acks": "all",
            "linger.ms": 2,
            "message.timeout.ms": 10000,
            "enable.idempotence": False,
            "retries": 1000,
            "retry.backoff.ms": 100,
            "max.in.flight.requests.per.connection": 1,
            "queue.buffering.max.messages": 20000,
        }
    )

    def on_delivery(err, msg):
        if err is None:
            out.write(f"{int(msg.key())} {msg.partition()} {msg.offset()}\n")
            out.flush()

    start = time.monotonic()
    deadline = start + max_seconds
    seq = 0
    while time.monotonic() < deadline:
        if rate is not None and seq >= rate * (time.monotonic() - start):
            p.poll(0.01)
            continue
        try:
            p.produce(topic, key=str(seq).encode(), value=value_for(seq),
                      partition=seq % partitions, on_delivery=on_delivery)
            seq += 1
        except BufferError:
            p.poll(0.05)
            continue
        p.poll(0)
    p.flush(10)
    out.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
