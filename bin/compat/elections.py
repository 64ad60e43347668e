"""kafka-preferred-replica-election.sh and kafka-leader-election.sh, on `gregor partitions
elect-leaders` (Kafka's ElectLeaders, answered by the controller)."""

from __future__ import annotations

import json

from common import Parser, add_connection, fail, global_args, gregor_json_even_failed

# What gregor's elect-leaders table calls a partition that needed no election.
NOT_NEEDED = "ELECTION_NOT_NEEDED"


def read_partitions(path: str) -> list[tuple[str, int]]:
    """Kafka's election file: {"partitions": [{"topic": "t", "partition": 0}, ...]}."""
    try:
        with open(path) as f:
            entries = json.load(f)["partitions"]
        partitions = [(str(e["topic"]), int(e["partition"])) for e in entries]
    except OSError as e:
        fail(f"error: cannot read --path-to-json-file {path}: {e.strerror}")
    except (ValueError, KeyError, TypeError):
        fail(f"error: --path-to-json-file {path} is not "
             '{"partitions": [{"topic": ..., "partition": ...}, ...]}')
    duplicates = sorted({f"{t}-{p}" for t, p in partitions if partitions.count((t, p)) > 1})
    if duplicates:
        fail(f"error: --path-to-json-file {path} names partitions more than once: "
             f"{','.join(duplicates)}")
    return partitions


def elect(args, election_type: str, partitions: list[tuple[str, int]] | None):
    """Runs the elections (every partition when `partitions` is None); returns the rows of
    gregor's result table and whether gregor failed."""
    common = global_args(args) + ["partitions", "elect-leaders", "--election-type", election_type]
    if partitions is None:
        code, rows, _ = gregor_json_even_failed(common + ["--all"])
        return rows, code != 0
    by_topic: dict[str, list[int]] = {}
    for topic, partition in partitions:
        by_topic.setdefault(topic, []).append(partition)
    rows, failed = [], False
    for topic, ids in by_topic.items():
        command = common + ["--topic", topic]
        for partition in ids:
            command += ["--partition", str(partition)]
        code, topic_rows, _ = gregor_json_even_failed(command)
        rows += topic_rows
        failed = failed or code != 0
    return rows, failed


def names(rows) -> str:
    return ", ".join(f"{r['topic']}-{r['partition']}" for r in rows)


def problem(row) -> str:
    return f"{row['result']}: {row['message']}" if row.get("message") else row["result"]


def preferred_main(argv: list[str]) -> None:
    p = Parser("kafka-preferred-replica-election.sh",
               "Move leaders back to the preferred replicas (on gregor).")
    add_connection(p, "--admin.config", zookeeper=True)
    p.add_argument("--path-to-json-file", help='{"partitions": [{"topic": "t", "partition": 0}]} '
                                               "(default: every partition)")
    args = p.parse_args(argv)
    partitions = read_partitions(args.path_to_json_file) if args.path_to_json_file else None
    rows, failed = elect(args, "preferred", partitions)
    done = [r for r in rows if r["result"] in ("elected", NOT_NEEDED)]
    if done:
        print(f"Successfully completed preferred replica election for partitions {names(done)}")
    for row in rows:
        if row not in done:
            print(f"Error completing preferred replica election for partition "
                  f"{row['topic']}-{row['partition']}: {problem(row)}")
    if failed or len(done) < len(rows):
        fail(f"error: {len(rows) - len(done)} preferred replica(s) could not be elected")


def leader_election_main(argv: list[str]) -> None:
    p = Parser("kafka-leader-election.sh", "Elect partition leaders (on gregor).")
    add_connection(p, "--admin.config")
    p.add_argument("--election-type", required=True, type=str.lower,
                   choices=["preferred", "unclean"], help="preferred or unclean")
    p.add_argument("--all-topic-partitions", action="store_true", help="Every partition")
    p.add_argument("--topic", help="The topic (with --partition)")
    p.add_argument("--partition", type=int, help="The partition of --topic")
    p.add_argument("--path-to-json-file", help='{"partitions": [{"topic": "t", "partition": 0}]}')
    args = p.parse_args(argv)
    chosen = [flag for flag, on in (("--all-topic-partitions", args.all_topic_partitions),
                                    ("--topic", args.topic is not None),
                                    ("--path-to-json-file", args.path_to_json_file is not None))
              if on]
    if len(chosen) != 1:
        p.usage_error("exactly one of --all-topic-partitions, --topic or --path-to-json-file is "
                      "required")
    if (args.topic is None) != (args.partition is None):
        p.usage_error("--topic and --partition go together")
    partitions = None
    if args.topic is not None:
        partitions = [(args.topic, args.partition)]
    elif args.path_to_json_file:
        partitions = read_partitions(args.path_to_json_file)
    rows, failed = elect(args, args.election_type, partitions)
    kind = args.election_type.upper()
    elected = [r for r in rows if r["result"] == "elected"]
    not_needed = [r for r in rows if r["result"] == NOT_NEEDED]
    errors = [r for r in rows if r not in elected and r not in not_needed]
    if elected:
        print(f"Successfully completed leader election ({kind}) for partitions {names(elected)}")
    if not_needed:
        print(f"Valid replica already elected for partitions {names(not_needed)}")
    for row in errors:
        print(f"Error completing leader election ({kind}) for partition: "
              f"{row['topic']}-{row['partition']}: {problem(row)}")
    if failed or errors:
        fail(f"error: {len(errors)} replica(s) could not be elected")
