"""--zookeeper HOST:PORT[,HOST:PORT...][/chroot]: the brokers a ZooKeeper ensemble knows.

Kafka's ZooKeeper-era tools took the ensemble instead of a broker. Here the ensemble is only a
directory: each live broker registers /brokers/ids/<id> (Kafka's JSON, with `endpoints` such as
"PLAINTEXT://host:9092" and the older `host`/`port`), and the command then runs against those
brokers exactly as with --bootstrap-server.

Needs python3-kazoo (Debian's package, installed for /usr/bin/python3: see run.sh). Imported only
when --zookeeper is given, so the other scripts keep to the standard library."""

from __future__ import annotations

import json
import logging
import warnings

# Bounds the whole look-up of an unreachable or silent ensemble: kazoo retries a refused
# connection until this many seconds have passed.
CONNECT_TIMEOUT_S = 4.0


class LookupFailed(Exception):
    """The ensemble cannot say where the brokers are; the message is the one line to print."""


def endpoints_of(registration: dict) -> list[str]:
    """host:port of a broker's plaintext listeners, from its /brokers/ids/<id> JSON (version 2+:
    `endpoints` with `listener_security_protocol_map`; version 1: `host` and `port`)."""
    protocols = registration.get("listener_security_protocol_map") or {}
    found = []
    for endpoint in registration.get("endpoints") or []:
        listener, sep, address = str(endpoint).partition("://")
        if not sep or not address:
            continue
        if protocols.get(listener, listener) == "PLAINTEXT":
            found.append(address)
    if not found and registration.get("host") and registration.get("port", -1) > 0:
        found.append(f"{registration['host']}:{registration['port']}")
    return found


def bootstrap_servers(connect: str, timeout_s: float = CONNECT_TIMEOUT_S) -> str:
    """Comma-separated host:port of every broker registered in `connect` (ZooKeeper's connect
    string, with an optional chroot); LookupFailed with one line when there are none."""
    try:
        from kazoo.client import KazooClient
        from kazoo.exceptions import KazooException, NoNodeError
        from kazoo.handlers.threading import KazooTimeoutError
    except ImportError:
        raise LookupFailed("error: --zookeeper needs python3-kazoo (apt-get install python3-kazoo)")
    logging.getLogger("kazoo").setLevel(logging.CRITICAL)  # its retries are not for the user
    warnings.filterwarnings("ignore", module="kazoo")  # "No chroot path exists": said below
    try:
        client = KazooClient(hosts=connect, timeout=10.0)
    except (ValueError, KazooException) as e:
        raise LookupFailed(f"error: --zookeeper '{connect}' is not host:port[/chroot]: {e}")
    try:
        client.start(timeout=timeout_s)
    except KazooTimeoutError:
        raise LookupFailed(f"error: cannot connect to ZooKeeper at {connect} within "
                           f"{timeout_s:g}s: is it running?")
    except Exception as e:  # name resolution and the like
        raise LookupFailed(f"error: cannot connect to ZooKeeper at {connect}: {e}")
    try:
        servers = []
        for broker_id in sorted(client.get_children("/brokers/ids"), key=_numeric):
            data, _ = client.get(f"/brokers/ids/{broker_id}")
            try:
                servers += endpoints_of(json.loads(data))
            except (ValueError, TypeError, AttributeError):
                continue  # not Kafka's JSON: that broker cannot be used
    except NoNodeError:
        servers = []
    except KazooException as e:
        raise LookupFailed(f"error: cannot read /brokers/ids in ZooKeeper at {connect}: {e!r}")
    finally:
        client.stop()
        client.close()
    if not servers:
        raise LookupFailed(f"error: no broker is registered in ZooKeeper at {connect} "
                           "(/brokers/ids is empty): are the brokers running with this "
                           "zookeeper.connect?")
    return ",".join(servers)


def _numeric(text: str):
    return (0, int(text)) if text.isdigit() else (1, text)
