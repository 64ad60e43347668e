"""Cutting brokers off from each other in system tests, without root-only network tools.

Each broker advertises a port of this proxy instead of its own, so every connection to it, from
clients and from the other brokers' replica fetchers, comes through here. The proxy reads the
first request of each connection: a Kafka request header names its client, and Gregor's replica
fetchers call themselves `replica-fetcher-<broker id>`. That tells which broker opens the link,
so one broker can be cut off from the others while clients and ZooKeeper still reach it, as in a
partition of the replication network:

    links = ReplicationLinks({1: port1, 2: port2, 3: port3})
    broker.props["advertised.listeners"] = f"PLAINTEXT://127.0.0.1:{links.port_of(1)}"
    links.isolate(2)   # fetches 2 -> others and others -> 2 are closed, new ones refused
    links.heal()
    links.close()

Runs an asyncio loop on its own thread; every method is called from the test's thread.
"""

from __future__ import annotations

import asyncio
import re
import struct
import threading

FETCHER_CLIENT = re.compile(rb"^replica-fetcher-(\d+)$")
HEADER_TIMEOUT_S = 10.0


def fetcher_of(header: bytes) -> int | None:
    """The broker id of a replica fetcher's request header (size, api key, version, correlation
    id, client id as an int16-prefixed string), or None for any other client."""
    if len(header) < 14:
        return None
    (length,) = struct.unpack_from(">h", header, 12)
    if length < 0:
        return None
    match = FETCHER_CLIENT.match(header[14 : 14 + length])
    return int(match.group(1)) if match else None


class _ProxyLoop:
    """An asyncio loop on its own thread, for proxies driven from the test's thread."""

    def __init__(self):
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True)
        self._thread.start()

    def _call(self, coroutine):
        return asyncio.run_coroutine_threadsafe(coroutine, self._loop).result(timeout=30)

    def _stop_loop(self) -> None:
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout=10)


async def splice(reader, writer, port: int, first: bytes, track: list, allowed=None) -> None:
    """Connects to `port`, sends `first`, then copies both ways until either side closes. Both
    writers sit in `track` meanwhile, so that a cut can close them. `allowed()` is asked again once
    the connection is tracked: a cut made while it was being opened closes it too."""
    try:
        up_reader, up_writer = await asyncio.open_connection("127.0.0.1", port)
    except OSError:
        writer.close()
        return
    entry = (writer, up_writer)
    track.append(entry)
    if allowed is not None and not allowed():
        track.remove(entry)
        writer.close()
        up_writer.close()
        return
    up_writer.write(first)
    await asyncio.gather(pump(reader, up_writer), pump(up_reader, writer), return_exceptions=True)
    track.remove(entry)


async def pump(reader, writer) -> None:
    try:
        while chunk := await reader.read(65536):
            writer.write(chunk)
            await writer.drain()
    except (OSError, asyncio.CancelledError):
        pass
    finally:
        writer.close()


class ReplicationLinks(_ProxyLoop):
    def __init__(self, broker_ports: dict[int, int]):
        super().__init__()
        self._isolated: set[int] = set()
        # (source broker or None, target broker) -> the open connections' writers
        self._links: dict[tuple[int | None, int], list] = {}
        self._servers = {}
        for broker_id, port in broker_ports.items():
            self._servers[broker_id] = self._call(self._serve(broker_id, port))

    # --- used by tests

    def port_of(self, broker_id: int) -> int:
        return self._servers[broker_id].sockets[0].getsockname()[1]

    def isolate(self, broker_id: int) -> None:
        """No replication between `broker_id` and any other broker, in either direction."""
        self._call(self._set_isolated({broker_id}))

    def heal(self) -> None:
        self._call(self._set_isolated(set()))

    def close(self) -> None:
        self._call(self._close())
        self._stop_loop()

    # --- on the loop's thread

    def _blocked(self, source: int | None, target: int) -> bool:
        return source is not None and source != target and bool({source, target} & self._isolated)

    async def _serve(self, broker_id: int, port: int):
        async def accept(reader, writer):
            await self._forward(broker_id, port, reader, writer)

        return await asyncio.start_server(accept, "127.0.0.1", 0)

    async def _set_isolated(self, isolated: set[int]) -> None:
        self._isolated = isolated
        for (source, target), connections in self._links.items():
            if self._blocked(source, target):
                for client, server in list(connections):
                    client.close()
                    server.close()

    async def _forward(self, target: int, port: int, reader, writer) -> None:
        try:
            first = await asyncio.wait_for(reader.readexactly(4), HEADER_TIMEOUT_S)
            size = struct.unpack(">i", first)[0]
            header = first + await asyncio.wait_for(reader.readexactly(min(size, 512)), HEADER_TIMEOUT_S)
        except (asyncio.IncompleteReadError, asyncio.TimeoutError, OSError):
            writer.close()
            return
        source = fetcher_of(header)
        if self._blocked(source, target):
            writer.close()
            return
        await splice(reader, writer, port, header, self._links.setdefault((source, target), []),
                     lambda: not self._blocked(source, target))

    async def _close(self) -> None:
        for server in self._servers.values():
            server.close()
        for connections in self._links.values():
            for client, server in list(connections):
                client.close()
                server.close()


class CuttableLink(_ProxyLoop):
    """Any TCP service behind a proxy that can be cut (connections closed, new ones refused) and
    healed: brokers given `hosts` for ZooKeeper lose it while it keeps running, so it expires
    their sessions as it would across a network partition."""

    def __init__(self, target_port: int):
        super().__init__()
        self._cut = False
        self._connections: list = []
        self._server = self._call(self._serve(target_port))
        self.hosts = f"127.0.0.1:{self._server.sockets[0].getsockname()[1]}"

    def cut(self) -> None:
        self._call(self._set_cut(True))

    def heal(self) -> None:
        self._call(self._set_cut(False))

    def close(self) -> None:
        self._call(self._close())
        self._stop_loop()

    async def _close(self) -> None:
        self._server.close()
        await self._set_cut(True)

    async def _serve(self, port: int):
        async def accept(reader, writer):
            if self._cut:
                writer.close()
                return
            await splice(reader, writer, port, b"", self._connections)

        return await asyncio.start_server(accept, "127.0.0.1", 0)

    async def _set_cut(self, cut: bool) -> None:
        self._cut = cut
        if cut:
            for client, server in list(self._connections):
                client.close()
                server.close()
