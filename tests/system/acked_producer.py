"""Helper process for test_durability: produce sequence-numbered records with acks=all and
append every acknowledged "<seq> <partition> <offset>" line to a file, flushed per delivery.

    /usr/bin/python3 acked_producer.py BOOTSTRAP TOPIC ACKED_FILE MAX_SECONDS

Runs until MAX_SECONDS elapse (bounded) or it is killed.
"""

import sys
import time

from confluent_kafka import Producer

VALUE_PAD = b"." * 80


def value_for(seq: int) -> bytes:
    return f"seq-{seq:09d}-".encode() + VALUE_PAD


def main() -> int:
    bootstrap, topic, acked_path, max_seconds = sys.argv[1], sys.argv[2], sys.argv[3], float(sys.argv[4])
    out = open(acked_path, "a", buffering=1)
    p = Producer(
        {
            "bootstrap.servers": bootstrap,
            "acks": "all",
            "linger.ms": 2,
            "message.timeout.ms": 10000,
            "queue.buffering.max.messages": 20000,
        }
    )

    def on_delivery(err, msg):
        if err is None:
            out.write(f"{int(msg.key())} {msg.partition()} {msg.offset()}\n")
            out.flush()

    deadline = time.monotonic() + max_seconds
    seq = 0
    while time.monotonic() < deadline:
        try:
            p.produce(topic, key=str(seq).encode(), value=value_for(seq), partition=0, on_delivery=on_delivery)
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
