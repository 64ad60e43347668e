"""Kafka's older tools, run as `kafka-run-class.sh kafka.tools.<Name>` (and the scripts Kafka had
for some): ReplayLogProducer, SimpleConsumerShell and VerifyConsumerRebalance, on `gregor consume`,
`gregor produce`, `gregor group describe` and `gregor topic describe`."""

from __future__ import annotations

import json
import subprocess
import sys

from common import (Parser, add_connection, add_zookeeper, client_config_file, fail, find_binary,
                    global_args, gregor_json, parse_properties, run_gregor, server_args)
from console import TRUE

EARLIEST, LATEST = -2, -1


def consumed_messages(args, topic: str, extra: list[str]) -> list[dict]:
    """Every message of `topic` from the beginning to its current end, as gregor's JSON."""
    out = run_gregor(global_args(args) + ["--output", "json", "consume", topic, "--from-beginning",
                                          "--exit-at-end", *extra])
    return [json.loads(line) for line in out.splitlines() if line.strip()]


def pick_separator(keys: list[str]) -> str:
    """A key separator that no key contains (gregor produce splits at its first occurrence)."""
    for separator in ("\t", "\x1f", "\x1e", "|~|"):
        if not any(separator in key for key in keys):
            return separator
    fail("error: the keys contain every separator gregor produce could split them at")
    return ""


def replay_main(argv: list[str]) -> None:
    p = Parser("ReplayLogProducer", "Copy a topic's messages into another topic (on gregor).")
    add_connection(p)
    add_zookeeper(p)
    p.add_argument("--inputtopic", required=True, help="The topic to read from the beginning")
    p.add_argument("--outputtopic", required=True, help="The topic to write to")
    p.add_argument("--messages", type=int, default=-1, help="At most this many (default: all)")
    p.add_argument("--threads", type=int, default=1, help="Accepted: gregor copies in one thread")
    p.add_argument("--reporting-interval", type=int, help="Accepted, no effect")
    p.add_argument("--property", action="append", help="Producer property KEY=VALUE")
    p.add_argument("--sync", action="store_true", help="Accepted: gregor waits for every message")
    args = p.parse_args(argv)
    limit = ["--max-messages", str(args.messages)] if args.messages >= 0 else []
    messages = consumed_messages(args, args.inputtopic, limit) if args.messages != 0 else []
    for m in messages:  # gregor produce sends lines: each value must be one line
        if m["value"] is None or "\n" in m["value"] or (m["key"] and "\n" in m["key"]):
            fail(f"error: message {m['topic']}-{m['partition']}@{m['offset']} has a null value "
                 "or a line break, which gregor produce cannot send")
    keyed = [m for m in messages if m["key"] is not None]
    unkeyed = [m for m in messages if m["key"] is None]
    properties = parse_properties(args.property, p, "--property")
    with client_config_file(args.command_config, properties) as config:
        produce = server_args(args) + ["--command-config", config.name, "produce",
                                       args.outputtopic]
        if keyed:
            separator = pick_separator([m["key"] for m in keyed])
            run_gregor(produce + ["--key-separator", separator],
                       "".join(f"{m['key']}{separator}{m['value']}\n" for m in keyed))
        if unkeyed:
            run_gregor(produce, "".join(f"{m['value']}\n" for m in unkeyed))


def simple_consumer_parser() -> Parser:
    p = Parser("SimpleConsumerShell", "Print one partition from an offset (on gregor).")
    add_connection(p)
    p.add_argument("--topic", required=True, help="The topic")
    p.add_argument("--partition", type=int, default=0, help="The partition (default 0)")
    p.add_argument("--offset", type=int, default=EARLIEST,
                   help="The first offset; -2 the earliest (default), -1 the latest")
    p.add_argument("--max-messages", type=int, help="Stop after this many messages")
    p.add_argument("--print-offsets", action="store_true",
                   help="Print 'next offset = N' before each message")
    p.add_argument("--no-wait-at-logend", action="store_true",
                   help="Stop at the end of the partition instead of waiting for more")
    p.add_argument("--property", action="append", help="print.key=true, key.separator=SEP")
    p.add_argument("--formatter", help="Only Kafka's DefaultMessageFormatter is supported")
    p.add_argument("--replica", type=int, default=-1, help="Only -1 (the leader) is supported")
    for ignored in ("--clientId", "--fetchsize", "--max-wait-ms"):
        p.add_argument(ignored, help="Accepted, no effect")
    p.add_argument("--skip-message-on-error", action="store_true", help="Accepted, no effect")
    return p


def start_offset(args, p: Parser) -> tuple[list[str], int | None]:
    """gregor's start option for --offset, and the offset it means when it is known here."""
    if args.offset == EARLIEST:
        return ["--from-beginning"], None
    if args.offset == LATEST:
        return [], None
    if args.offset < 0:
        p.usage_error(f"--offset must be -2, -1 or an offset, got {args.offset}")
    return ["--offset", str(args.offset)], args.offset


def partition_offset(args, time: str) -> int:
    rows = gregor_json(global_args(args) + ["offsets", args.topic, "--partition",
                                            str(args.partition), "--time", time])
    return rows[0]["offset"]


def simple_consumer_main(argv: list[str]) -> None:
    p = simple_consumer_parser()
    args = p.parse_args(argv)
    if args.replica != -1:
        p.usage_error("--replica: only -1 (the partition's leader) is supported")
    if args.formatter and not args.formatter.endswith("DefaultMessageFormatter"):
        p.usage_error(f"--formatter {args.formatter} is not supported")
    props = parse_properties(args.property, p, "--property")
    print_key = props.get("print.key", "false").lower() in TRUE
    separator = props.get("key.separator", "\t")
    start, next_offset = start_offset(args, p)
    command = global_args(args) + ["--output", "json", "consume", args.topic, "--partition",
                                   str(args.partition), *start]
    if args.max_messages is not None:
        command += ["--max-messages", str(args.max_messages)]
    if args.no_wait_at_logend:
        command.append("--exit-at-end")
    consumer = subprocess.Popen([find_binary("gregor"), *command], stdout=subprocess.PIPE,
                                text=True)
    count = 0
    try:
        for line in consumer.stdout:
            m = json.loads(line)
            next_offset = m["offset"] + 1
            count += 1
            if args.print_offsets:
                print(f"next offset = {next_offset}")
            value = "null" if m["value"] is None else m["value"]
            key = "null" if m["key"] is None else m["key"]
            print(f"{key}{separator}{value}" if print_key else value, flush=True)
    except KeyboardInterrupt:  # Ctrl-C reached gregor too: it stops, we report how
        pass
    code = consumer.wait()
    if code != 0:
        sys.exit(code)
    stopped_by_limit = args.max_messages is not None and count >= args.max_messages
    if args.no_wait_at_logend and not stopped_by_limit:
        if next_offset is None:
            next_offset = partition_offset(args, "earliest" if args.offset == EARLIEST else "latest")
        print(f"Terminating. Reached the end of partition ({args.topic}, {args.partition}) at "
              f"offset {next_offset}")


def verify_rebalance_main(argv: list[str]) -> None:
    p = Parser("VerifyConsumerRebalance",
               "Check that each partition of a group's topics has exactly one owner (on gregor).")
    add_connection(p)
    add_zookeeper(p, "--zookeeper.connect", "--zk.connect", "--zookeeper")
    p.add_argument("--group", required=True, help="The consumer group")
    args = p.parse_args(argv)
    group = gregor_json(global_args(args) + ["group", "describe", args.group])
    owners: dict[tuple[str, int], list[str]] = {}
    for member in group["members"]:
        for a in member["assignment"]:
            owners.setdefault((a["topic"], a["partition"]), []).append(member["member"])
    topics = sorted({t for t, _ in owners} | {row["topic"] for row in group["offsets"]})
    print(f"Verifying rebalancing operation for consumer group {args.group}")
    ok = True
    if not group["members"]:
        print(f"No consumer is a member of group {args.group} (state {group['state']})")
        ok = False
    elif group["state"] != "Stable":
        print(f"Group {args.group} is rebalancing (state {group['state']})")
        ok = False
    for topic in topics:
        described = gregor_json(global_args(args) + ["topic", "describe", topic])
        for partition in sorted(p["partition"] for p in described["partitions"]):
            owned_by = owners.get((topic, partition), [])
            if not owned_by:
                print(f"No owner for topic {topic} partition {partition}")
                ok = False
            elif len(owned_by) > 1:
                print(f"Topic {topic} partition {partition} is owned by more than one consumer: "
                      f"{', '.join(owned_by)}")
                ok = False
            else:
                print(f"Owner of topic {topic} partition {partition} is {owned_by[0]}")
    if ok:
        print("Rebalance operation successful !")
    else:
        print("Rebalance operation failed !")
        sys.exit(1)
