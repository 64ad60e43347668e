"""kafka-reassign-partitions.sh on top of `gregor partitions reassign | reassignments`."""

from __future__ import annotations

import json

from common import Parser, add_connection, fail, global_args, gregor_json, run_gregor


def _plan(path: str) -> list[tuple[str, int]]:
    try:
        with open(path) as f:
            entries = json.load(f)["partitions"]
        return [(str(e["topic"]), int(e["partition"])) for e in entries]
    except OSError as e:
        fail(f"error: cannot read --reassignment-json-file {path}: {e.strerror}")
    except (ValueError, KeyError, TypeError):
        fail(f"error: --reassignment-json-file {path} is not "
             '{"version":1,"partitions":[{"topic":...,"partition":...,"replicas":[...]}]}')
    return []


def main(argv: list[str]) -> None:
    p = Parser("kafka-reassign-partitions.sh", "Move partitions between brokers (on gregor).")
    add_connection(p, zookeeper=True)
    p.add_argument("--reassignment-json-file", required=True, help="Kafka's reassignment plan")
    action = p.add_mutually_exclusive_group(required=True)
    action.add_argument("--execute", action="store_true", help="Start the moves of the plan")
    action.add_argument("--verify", action="store_true", help="Say which moves are done")
    action.add_argument("--cancel", action="store_true", help="Cancel the moves of the plan")
    p.add_argument("--throttle", type=int, default=-1,
                   help="With --execute: replication bytes/s of the moves (--verify removes it)")
    args = p.parse_args(argv)
    plan = _plan(args.reassignment_json_file)
    names = ",".join(f"{t}-{p}" for t, p in plan)
    if args.execute:
        throttle = ["--throttle", str(args.throttle)] if args.throttle > 0 else []
        run_gregor(global_args(args) + ["partitions", "reassign", "--reassignment-json-file",
                                        args.reassignment_json_file] + throttle)
        if throttle:
            print(f"The inter-broker throttle limit was set to {args.throttle} B/s")
        print(f"Successfully started partition reassignments for {names}")
    elif args.verify:
        moving = {(m["topic"], m["partition"]) for m in
                  gregor_json(global_args(args) + ["partitions", "reassignments"])}
        print("Status of partition reassignment:")
        for topic, partition in plan:
            state = "still in progress" if (topic, partition) in moving else "complete"
            print(f"Reassignment of partition {topic}-{partition} is {state}.")
        if not moving:  # as Kafka's tool: the throttle goes once every move is done
            run_gregor(global_args(args) + ["partitions", "reassignments", "--clear-throttle"])
            print("Throttle was removed.")
    else:
        for topic, partition in plan:
            run_gregor(global_args(args) + ["partitions", "reassign", "--topic", topic,
                                            "--partition", str(partition), "--cancel"])
        print(f"Successfully cancelled partition reassignments for: {names}")
