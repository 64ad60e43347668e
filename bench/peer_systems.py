"""The systems a user might pick instead of Gregor, from Debian packages, each started by the bench
on free loopback ports with its data in the bench's temporary directory, and loaded by its driver
in bench/peers/ (the system's fastest native client; the same JSON summary as `gregor perf`).
See docs/performance.md, "Gregor side by side"."""

from __future__ import annotations

import json
from contextlib import ExitStack
from pathlib import Path

from benchlib import Process, ensure_packages, free_port, log, run, wait_port

# Servers and client libraries the peers need; installed by the bench, not by `make`.
PACKAGES = ["redis-server", "nats-server", "rabbitmq-server",
            "libhiredis-dev", "libnats-dev", "librabbitmq-dev"]
DRIVERS = ["peer_redis", "peer_nats", "peer_amqp", "peer_rabbit_stream"]


def ensure_drivers(repo: Path, build: Path) -> None:
    """Installs the packages, then configures again (the drivers are built only when their
    libraries are found) and builds the drivers."""
    ensure_packages(PACKAGES)
    if all((build / "bin" / d).exists() for d in DRIVERS):
        return
    log("building the peer drivers")
    run(["cmake", "-S", str(repo), "-B", str(build)], timeout=600)
    run(["cmake", "--build", str(build), "--target", *DRIVERS], timeout=1800)


class Peer:
    """A running peer: `produce` and `consume` run its driver and return the JSON summary."""

    name = ""
    driver = ""
    window = 5000  # records in flight (or per fetch) for the driver
    # What an acknowledgement means: "1", stored as the server stores by default; "all", once on
    # disk (fsync'd), for the peers that can be told to (fsync_each).
    durability: dict[str, str] = {}

    def __init__(self, build: Path, port: int):
        self.binary = build / "bin" / self.driver
        self.port = port

    def drive(self, mode: str, topic: str, records: int, record_size: int = 100) -> dict:
        out = run([str(self.binary), mode, "--port", str(self.port), "--topic", topic,
                   "--records", str(records), "--record-size", str(record_size),
                   "--window", str(self.window)], timeout=600)
        return json.loads(out)

    def fsync_each(self, on: bool) -> None:
        """Acknowledges only what is fsync'd from now on (on) or as by default (off)."""
        raise NotImplementedError(f"{self.name} cannot fsync before acknowledging")


def serve(stack: ExitStack, log_path: Path, command) -> int:
    """Starts `command(port)` on a free port, stopped with `stack`; returns once it listens."""
    port = free_port()
    stack.enter_context(Process(command(port), log_path))
    wait_port(port)
    return port


class Redis(Peer):
    name = "Redis Streams"
    driver = "peer_redis"
    window = 1000  # XADDs per pipelined round trip
    durability = {
        "1": ("XADD answered once in the append-only file's buffer, written to the file within the "
              "event loop, fsync'd once a second (appendfsync everysec): a Redis crash loses "
              "nothing, a power loss up to about a second"),
        "all": ("XADD answered once the append-only file is fsync'd (appendfsync always: one fsync "
                "for all the commands of an event-loop turn, such as a pipelined round trip)"),
    }

    def __init__(self, build: Path, workdir: Path, stack: ExitStack):
        super().__init__(build, serve(stack, workdir / "redis.log", lambda port: [
            "redis-server", "--port", str(port), "--bind", "127.0.0.1", "--dir", str(workdir),
            "--appendonly", "yes", "--appendfsync", "everysec", "--save", "", "--daemonize", "no"]))

    def fsync_each(self, on: bool) -> None:
        run(["redis-cli", "-p", str(self.port), "config", "set", "appendfsync",
             "always" if on else "everysec"], timeout=30)


class NatsJetStream(Peer):
    name = "NATS JetStream"
    driver = "peer_nats"
    # nats-server 2.9 has no setting that fsyncs each write (sync_interval came with 2.10).
    durability = {"1": ("PubAck once the message is in the stream's file store (the page cache); the "
                        "server forces an fsync only every few minutes: a power loss can lose "
                        "acknowledged messages")}

    def __init__(self, build: Path, workdir: Path, stack: ExitStack):
        super().__init__(build, serve(stack, workdir / "nats.log", lambda port: [
            "nats-server", "-a", "127.0.0.1", "-p", str(port), "-js", "-sd", str(workdir / "jetstream")]))


class RabbitMQ:
    """One RabbitMQ node with the stream plugin, its own epmd, and no system service."""

    def __init__(self, workdir: Path, stack: ExitStack):
        epmd_port, self.amqp_port, self.stream_port = free_port(), free_port(), free_port()
        (workdir / "enabled_plugins").write_text("[rabbitmq_stream].\n")
        (workdir / "rabbitmq.conf").write_text(
            f"listeners.tcp.1 = 127.0.0.1:{self.amqp_port}\n"
            f"stream.listeners.tcp.1 = 127.0.0.1:{self.stream_port}\n")
        # Erlang finds its nodes through epmd: one of the bench's own, on a free port, rather
        # than a system-wide daemon that would outlive the bench.
        stack.enter_context(Process(["epmd", "-port", str(epmd_port), "-address", "127.0.0.1"],
                                    workdir / "epmd.log"))
        env = {"HOME": str(workdir), "ERL_EPMD_PORT": str(epmd_port),
               "RABBITMQ_NODENAME": "gregorbench@localhost", "RABBITMQ_DIST_PORT": str(free_port()),
               "RABBITMQ_MNESIA_BASE": str(workdir / "mnesia"), "RABBITMQ_LOG_BASE": str(workdir / "log"),
               "RABBITMQ_LOGS": "-", "RABBITMQ_PID_FILE": str(workdir / "rabbitmq.pid"),
               "RABBITMQ_ENABLED_PLUGINS_FILE": str(workdir / "enabled_plugins"),
               "RABBITMQ_CONFIG_FILE": str(workdir / "rabbitmq.conf")}
        stack.enter_context(Process(["/usr/lib/rabbitmq/bin/rabbitmq-server"], workdir / "rabbitmq.log",
                                    cwd=workdir, env=env))
        wait_port(self.amqp_port, timeout=120)
        wait_port(self.stream_port, timeout=120)


RABBIT_STREAM_DURABILITY = ("confirm once the stream's log wrote the message to its segment file "
                            "(the page cache; streams do not fsync): a power loss can lose "
                            "confirmed messages")


class RabbitStreamQueue(Peer):
    """A stream queue of the node, reached over AMQP 0.9.1 or over the stream protocol."""

    def __init__(self, build: Path, port: int, name: str, driver: str, confirm: str):
        self.name, self.driver = name, driver
        self.durability = {"1": f"{RABBIT_STREAM_DURABILITY} ({confirm})"}
        super().__init__(build, port)


RABBIT_AMQP = "RabbitMQ stream, AMQP"
RABBIT_NATIVE = "RabbitMQ stream, native"
PEER_NAMES = [Redis.name, NatsJetStream.name, RABBIT_AMQP, RABBIT_NATIVE]
PEER_KEYS = ["redis", "nats", "rabbitmq"]


def start_peer(key: str, build: Path, workdir: Path, stack: ExitStack) -> list[Peer]:
    """Starts the server of `key` (one of PEER_KEYS) in `workdir`; the peers it serves."""
    if key == "redis":
        return [Redis(build, workdir, stack)]
    if key == "nats":
        return [NatsJetStream(build, workdir, stack)]
    return rabbit_peers(build, workdir, stack)


def rabbit_peers(build: Path, workdir: Path, stack: ExitStack) -> list[Peer]:
    rabbit = RabbitMQ(workdir, stack)
    return [RabbitStreamQueue(build, rabbit.amqp_port, RABBIT_AMQP, "peer_amqp",
                              "publisher confirms over AMQP 0.9.1"),
            RabbitStreamQueue(build, rabbit.stream_port, RABBIT_NATIVE, "peer_rabbit_stream",
                              "PublishConfirm of the stream protocol")]
