"""Kafka's command-line scripts on top of `gregor`: bin/kafka-*.sh call

    python3 bin/compat/main.py <script name> <Kafka's arguments...>

and this maps Kafka's flags onto `gregor` subcommands (see docs/kafka-scripts.md). A wrong
command line is one line on stderr and exit code 2; a failed command passes gregor's one-line
error and exit code 1 through."""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import brokers  # noqa: E402
import configs  # noqa: E402
import console  # noqa: E402
import elections  # noqa: E402
import groups  # noqa: E402
import logs  # noqa: E402
import partitions  # noqa: E402
import run_class  # noqa: E402
import tools  # noqa: E402
import topics  # noqa: E402

SCRIPTS = {
    "kafka-topics": topics.main,
    "kafka-console-producer": console.producer_main,
    "kafka-console-consumer": console.consumer_main,
    "kafka-consumer-groups": groups.main,
    "kafka-configs": configs.main,
    "kafka-get-offsets": logs.get_offsets_main,
    "kafka-delete-records": logs.delete_records_main,
    "kafka-dump-log": logs.dump_log_main,
    "kafka-reassign-partitions": partitions.main,
    "kafka-preferred-replica-election": elections.preferred_main,
    "kafka-leader-election": elections.leader_election_main,
    "kafka-log-dirs": brokers.log_dirs_main,
    "kafka-broker-api-versions": brokers.api_versions_main,
    "kafka-replay-log-producer": tools.replay_main,
    "kafka-simple-consumer-shell": tools.simple_consumer_main,
    "kafka-run-class": run_class.main,
}

if __name__ == "__main__":
    if len(sys.argv) < 2 or sys.argv[1] not in SCRIPTS:
        sys.stderr.write(f"usage: main.py {{{','.join(SCRIPTS)}}} [arguments]\n")
        sys.exit(2)
    try:
        SCRIPTS[sys.argv[1]](sys.argv[2:])
    except BrokenPipeError:  # `| head`: the reader is gone, nothing left to say
        sys.exit(0)
    except KeyboardInterrupt:
        sys.exit(130)
