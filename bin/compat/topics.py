"""kafka-topics.sh: --create, --list, --describe, --delete, --alter --partitions, on `gregor topic`."""

from __future__ import annotations

from common import Parser, add_connection, global_args, gregor_json, run_gregor

ACTIONS = ("create", "list", "describe", "delete", "alter")


def parser() -> Parser:
    p = Parser("kafka-topics.sh", "Create, list, describe, alter and delete topics (on gregor).")
    add_connection(p, zookeeper=True)
    for action in ACTIONS:
        p.add_argument(f"--{action}", action="store_true", help=f"{action.capitalize()} topics")
    p.add_argument("--topic", help="The topic")
    p.add_argument("--partitions", type=int, help="Number of partitions")
    p.add_argument("--replication-factor", type=int, help="Replicas per partition")
    p.add_argument("--config", action="append", help="Topic config KEY=VALUE (repeatable)")
    p.add_argument("--if-not-exists", action="store_true", help="--create: no error if it exists")
    p.add_argument("--if-exists", action="store_true", help="--alter/--delete: no error if absent")
    p.add_argument("--exclude-internal", action="store_true", help="Leave out __ topics")
    p.add_argument("--under-replicated-partitions", action="store_true",
                   help="--describe: only partitions whose ISR is smaller than their replicas")
    p.add_argument("--unavailable-partitions", action="store_true",
                   help="--describe: only partitions without a leader")
    return p


def topic_names(args) -> list[str]:
    names = [t["topic"] for t in gregor_json(global_args(args) + ["topic", "list"])]
    if args.exclude_internal:
        names = [n for n in names if not n.startswith("__")]
    return names


def join_ids(ids: list[int]) -> str:
    return ",".join(str(i) for i in ids)


def describe(args, name: str) -> None:
    filters = [flag for flag, on in (("--under-replicated", args.under_replicated_partitions),
                                     ("--unavailable", args.unavailable_partitions)) if on]
    topic = gregor_json(global_args(args) + ["topic", "describe", name] + filters)
    partitions = topic["partitions"]
    if not filters:  # as Kafka's: the filtered listing has the partition lines only
        factor = len(partitions[0]["replicas"]) if partitions else 0
        configs = ",".join(f"{k}={v}" for k, v in sorted(topic["configs"].items()))
        print(f"Topic: {name}\tPartitionCount: {len(partitions)}\tReplicationFactor: {factor}\t"
              f"Configs: {configs}")
    for p in partitions:
        print(f"\tTopic: {name}\tPartition: {p['partition']}\tLeader: {p['leader']}\t"
              f"Replicas: {join_ids(p['replicas'])}\tIsr: {join_ids(p['isr'])}")


def create(args) -> None:
    command = ["topic", "create", args.topic]
    if args.partitions is not None:
        command += ["--partitions", str(args.partitions)]
    if args.replication_factor is not None:
        command += ["--replication-factor", str(args.replication_factor)]
    for config in args.config or []:
        command += ["--config", config]
    if args.if_not_exists:
        command.append("--if-not-exists")
    run_gregor(global_args(args) + command)
    print(f"Created topic {args.topic}.")


def absent(args) -> bool:
    """--if-exists and the topic is not there: nothing to do."""
    return args.if_exists and args.topic not in topic_names(args)


def main(argv: list[str]) -> None:
    p = parser()
    args = p.parse_args(argv)
    chosen = [a for a in ACTIONS if getattr(args, a)]
    if len(chosen) != 1:
        p.usage_error("exactly one of --create, --list, --describe, --alter or --delete is required")
    action = chosen[0]
    if action in ("create", "delete", "alter") and not args.topic:
        p.usage_error(f"--{action} needs --topic")
    if action == "list":
        for name in topic_names(args):
            print(name)
    elif action == "describe":
        for name in [args.topic] if args.topic else topic_names(args):
            describe(args, name)
    elif action == "create":
        create(args)
    elif action == "delete" and not absent(args):
        run_gregor(global_args(args) + ["topic", "delete", args.topic])
    elif action == "alter" and not absent(args):
        if args.partitions is None:
            p.usage_error("--alter needs --partitions (change configs with kafka-configs.sh)")
        run_gregor(global_args(args) + ["topic", "add-partitions", args.topic,
                                        "--total", str(args.partitions)])
