"""Dynamic broker configs: the log defaults (log.*, message.max.bytes) changed on a running
broker with `gregor config set --broker <id>` / `--broker-defaults` (AlterConfigs on a BROKER
resource) take effect at once for every topic without its own override, survive a restart,
and static keys and bad values are refused with a line naming the key."""

import json
import os

from confluent_kafka import KafkaError

from cli_runner import run_cli
from systest_helpers import create_topic, make_producer, produce_sync, unique_topic


def cli(broker, *args, code=0):
    result = run_cli(list(args), broker.bootstrap)
    assert result.returncode == code, (args, result.stdout, result.stderr)
    return result.stdout if code == 0 else result.stderr


def broker_config(broker, name, *target):
    rows = json.loads(cli(broker, "--output", "json", "config", "get", *target))
    return {row["name"]: row for row in rows}.get(name)


def accepts(broker, topic, size):
    """Whether a record of `size` incompressible bytes is accepted (else: MSG_SIZE_TOO_LARGE)."""
    err, _ = produce_sync(make_producer(broker.bootstrap), topic, os.urandom(size))
    assert err is None or err.code() == KafkaError.MSG_SIZE_TOO_LARGE, err
    return err is None


def test_broker_log_defaults_change_live_and_survive_a_restart(broker):
    plain, own = unique_topic("plain"), unique_topic("own")
    create_topic(broker.bootstrap, plain)
    create_topic(broker.bootstrap, own, **{"max.message.bytes": "100000"})
    assert accepts(broker, plain, 20000)

    assert cli(broker, "config", "set", "--broker", "0", "message.max.bytes=10000") == \
        "Updated configs of broker 0\n"
    assert not accepts(broker, plain, 20000)  # no restart needed
    assert accepts(broker, own, 20000)        # the topic's own override still wins
    row = broker_config(broker, "message.max.bytes", "--broker", "0")
    assert (row["value"], row["source"]) == ("10000", "DYNAMIC_BROKER_CONFIG")
    topic_row = broker_config(broker, "max.message.bytes", "--topic", plain)
    assert (topic_row["value"], topic_row["source"]) == ("10000", "DYNAMIC_BROKER_CONFIG")

    cli(broker, "config", "set", "--broker-defaults", "log.retention.ms=3600000")
    assert broker_config(broker, "retention.ms", "--topic", plain)["source"] == \
        "DYNAMIC_DEFAULT_BROKER_CONFIG"
    assert broker_config(broker, "log.retention.ms", "--broker-defaults")["value"] == "3600000"

    broker.restart()
    assert not accepts(broker, plain, 20000)
    assert broker_config(broker, "retention.ms", "--topic", plain)["value"] == "3600000"

    assert cli(broker, "config", "delete", "--broker", "0", "message.max.bytes") == \
        "Deleted config overrides of broker 0\n"
    assert accepts(broker, plain, 20000)
    assert broker_config(broker, "message.max.bytes", "--broker", "0")["source"] == "DEFAULT_CONFIG"
    # The other override was kept: deleting one key leaves the rest.
    assert broker_config(broker, "log.retention.ms", "--broker", "0")["value"] == "3600000"


def test_static_unknown_and_bad_values_are_refused_naming_the_key(broker):
    topic = unique_topic("t")
    create_topic(broker.bootstrap, topic)
    err = cli(broker, "config", "set", "--broker", "0", "num.partitions=8", code=1)
    assert "Cannot update these configs dynamically: Set(num.partitions)" in err
    err = cli(broker, "config", "set", "--broker-defaults", "log.retention.ms=soon", code=1)
    assert "Invalid value soon for configuration log.retention.ms" in err
    err = cli(broker, "config", "set", "--broker", "7", "log.retention.ms=1000", code=1)
    assert "unknown broker 7: the cluster's brokers are 0" in err
    # Nothing was stored by the refused changes.
    assert broker_config(broker, "log.retention.ms", "--broker", "0")["source"] in (
        "DEFAULT_CONFIG", "STATIC_BROKER_CONFIG")
    assert json.loads(cli(broker, "--output", "json", "config", "get", "--broker-defaults")) == []
