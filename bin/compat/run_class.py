"""kafka-run-class.sh <class> [arguments]: Kafka's tools by their class names. Each class runs the
script that does its job here (see docs/kafka-scripts.md); any other class is refused."""

from __future__ import annotations

import os

import brokers
import common
import configs
import console
import elections
import groups
import logs
import partitions
import tools
import topics

CLASSES = {
    "kafka.admin.BrokerApiVersionsCommand": brokers.api_versions_main,
    "kafka.admin.ConfigCommand": configs.main,
    "kafka.admin.ConsumerGroupCommand": groups.main,
    "kafka.admin.DeleteRecordsCommand": logs.delete_records_main,
    "kafka.admin.LeaderElectionCommand": elections.leader_election_main,
    "kafka.admin.LogDirsCommand": brokers.log_dirs_main,
    "kafka.admin.PreferredReplicaLeaderElectionCommand": elections.preferred_main,
    "kafka.admin.ReassignPartitionsCommand": partitions.main,
    "kafka.admin.TopicCommand": topics.main,
    "kafka.tools.ConsoleConsumer": console.consumer_main,
    "kafka.tools.ConsoleProducer": console.producer_main,
    "kafka.tools.DumpLogSegments": logs.dump_log_main,
    "kafka.tools.GetOffsetShell": logs.get_offsets_main,
    "kafka.tools.ReplayLogProducer": tools.replay_main,
    "kafka.tools.SimpleConsumerShell": tools.simple_consumer_main,
    "kafka.tools.VerifyConsumerRebalance": tools.verify_rebalance_main,
}
# Classes that are servers: they run the start scripts.
SERVERS = {
    "kafka.Kafka": "kafka-server-start.sh",
    "org.apache.zookeeper.server.quorum.QuorumPeerMain": "zookeeper-server-start.sh",
}


def known() -> str:
    return ", ".join(sorted([*CLASSES, *SERVERS]))


def main(argv: list[str]) -> None:
    if not argv or argv[0] in ("-h", "--help"):
        common.fail(f"usage: kafka-run-class.sh <class> [arguments]; classes: {known()}",
                    0 if argv else 2)
    name, arguments = argv[0], argv[1:]
    if name in SERVERS:
        script = str(common.BIN_DIR / SERVERS[name])
        os.execv(script, [script, *arguments])
    if name not in CLASSES:
        common.fail(f"kafka-run-class.sh: unknown class {name}; known classes: {known()}", 2)
    common.PROG_OVERRIDE = name
    CLASSES[name](arguments)
