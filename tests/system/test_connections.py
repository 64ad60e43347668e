"""Connection lifecycle: idle connections are closed after connections.max.idle.ms; busy ones
are not."""

import socket
import time

import pytest

import kafka_wire as w


@pytest.mark.broker_config({"connections.max.idle.ms": "400"})
def test_idle_connection_is_closed(broker):
    with broker.conn(timeout=5.0) as conn:
        w.api_versions(conn)  # the connection works
        deadline = time.monotonic() + 5.0
        closed = False
        while time.monotonic() < deadline:
            try:
                if conn.sock.recv(1) == b"":
                    closed = True
                    break
            except socket.timeout:
                break
        assert closed, "an idle connection stayed open past connections.max.idle.ms"


@pytest.mark.broker_config({"connections.max.idle.ms": "600"})
def test_active_connection_stays_open(broker):
    with broker.conn(timeout=5.0) as conn:
        for _ in range(8):  # 8 x 200 ms of activity: well past the idle limit in total
            w.api_versions(conn)
            time.sleep(0.2)
        w.api_versions(conn)
