"""kafka-consumer-groups.sh: --list, --describe (--members, --state, --offsets), --delete and
--reset-offsets, on `gregor group`, printed in Kafka's layouts."""

from __future__ import annotations

import re
import time

from common import Parser, add_connection, global_args, gregor_json, print_columns, run_gregor

TARGETS = ("to_earliest", "to_latest", "to_offset", "to_datetime", "shift_by", "to_current",
           "by_duration")


def parser() -> Parser:
    p = Parser("kafka-consumer-groups.sh", "List, describe, delete groups; reset offsets (on gregor).")
    add_connection(p)
    for action in ("list", "describe", "delete", "reset-offsets"):
        p.add_argument(f"--{action}", action="store_true", help=f"{action} groups")
    p.add_argument("--group", action="append", help="The group (repeatable)")
    p.add_argument("--all-groups", action="store_true", help="Every group")
    p.add_argument("--members", action="store_true", help="--describe: the members")
    p.add_argument("--state", action="store_true", help="--describe: the group's state")
    p.add_argument("--offsets", action="store_true", help="--describe: offsets and lag (default)")
    p.add_argument("--verbose", action="store_true", help="--members: with their partitions")
    p.add_argument("--topic", action="append", help="--reset-offsets: TOPIC or TOPIC:P1,P2")
    p.add_argument("--all-topics", action="store_true", help="--reset-offsets: every topic")
    p.add_argument("--to-earliest", action="store_true", help="Reset to the earliest offset")
    p.add_argument("--to-latest", action="store_true", help="Reset to the latest offset")
    p.add_argument("--to-current", action="store_true", help="Reset to the committed offset")
    p.add_argument("--to-offset", type=int, help="Reset to this offset")
    p.add_argument("--to-datetime", help="Reset to YYYY-MM-DDTHH:mm:SS.sss")
    p.add_argument("--by-duration", help="Reset to this long ago: PnDTnHnMnS")
    p.add_argument("--shift-by", type=int, help="Move the committed offsets by N")
    p.add_argument("--dry-run", action="store_true", help="Only show the new offsets (default)")
    p.add_argument("--execute", action="store_true", help="Commit the new offsets")
    p.add_argument("--timeout", type=int, dest="timeout_ms", help="Milliseconds to wait for the broker")
    return p


def duration_ms(text: str, p: Parser) -> int:
    match = re.fullmatch(r"P(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+(?:\.\d+)?)S)?)?", text)
    if not match or text in ("P", "PT"):
        p.usage_error(f"--by-duration '{text}' is not PnDTnHnMnS, as in PT1H30M")
    days, hours, minutes, seconds = (float(g or 0) for g in match.groups())
    return int((((days * 24 + hours) * 60 + minutes) * 60 + seconds) * 1000)


def target_args(args, p: Parser) -> list[str]:
    chosen = [t for t in TARGETS if getattr(args, t) not in (None, False)]
    if len(chosen) != 1:
        p.usage_error("--reset-offsets needs exactly one of --to-earliest, --to-latest, "
                      "--to-current, --to-offset, --to-datetime, --by-duration or --shift-by")
    target = chosen[0]
    if target in ("to_earliest", "to_latest"):
        return ["--" + target.replace("_", "-")]
    if target == "to_current":
        return ["--shift-by", "0"]
    if target == "by_duration":
        return ["--to-datetime", str(int(time.time() * 1000) - duration_ms(args.by_duration, p))]
    return ["--" + target.replace("_", "-"), str(getattr(args, target))]


def reset(args, p: Parser, group: str) -> None:
    if not args.topic and not args.all_topics:
        p.usage_error("--reset-offsets needs --topic or --all-topics")
    command = ["group", "reset-offsets", group, *target_args(args, p)]
    command += ["--all-topics"] if args.all_topics else []
    for topic in args.topic or []:
        command += ["--topic", topic]
    if args.execute:
        command.append("--execute")
    rows = gregor_json(global_args(args) + command)
    print()
    print_columns(["GROUP", "TOPIC", "PARTITION", "NEW-OFFSET"],
                  [[group, r["topic"], r["partition"], r["new"]] for r in rows])


def describe(args, group: str) -> None:
    info = gregor_json(global_args(args) + ["group", "describe", group])
    members = info["members"]
    print()
    if args.state:
        print_columns(["GROUP", "COORDINATOR (ID)", "ASSIGNMENT-STRATEGY", "STATE", "#MEMBERS"],
                      [[group, f"({info['coordinator']})", info["assignor"] or None,
                        info["state"], len(members)]])
        return
    if not members:
        print(f"Consumer group '{group}' has no active members.\n")
    if args.members:
        header = ["GROUP", "CONSUMER-ID", "HOST", "CLIENT-ID", "#PARTITIONS"]
        rows = [[group, m["member"], m["host"] or None, m["client_id"], len(m["assignment"])]
                for m in members]
        if args.verbose:
            header.append("ASSIGNMENT")
            for row, m in zip(rows, members):
                row.append(",".join(f"{a['topic']}({a['partition']})" for a in m["assignment"])
                           or None)
        print_columns(header, rows)
        return
    by_id = {m["member"]: m for m in members}
    rows = []
    for r in info["offsets"]:
        owner = by_id.get(r["member"], {})
        rows.append([group, r["topic"], r["partition"], r["committed"], r["log_end"], r["lag"],
                     r["member"], owner.get("host") or None, owner.get("client_id")])
    print_columns(["GROUP", "TOPIC", "PARTITION", "CURRENT-OFFSET", "LOG-END-OFFSET", "LAG",
                   "CONSUMER-ID", "HOST", "CLIENT-ID"], rows)


def main(argv: list[str]) -> None:
    p = parser()
    args = p.parse_args(argv)
    actions = [a for a in ("list", "describe", "delete", "reset_offsets") if getattr(args, a)]
    if len(actions) != 1:
        p.usage_error("exactly one of --list, --describe, --delete or --reset-offsets is required")
    action = actions[0]
    if action == "list":
        for row in gregor_json(global_args(args) + ["group", "list"]):
            print(row["group"])
        return
    groups = args.group or []
    if args.all_groups:
        groups = [row["group"] for row in gregor_json(global_args(args) + ["group", "list"])]
    if not groups:
        p.usage_error(f"--{action.replace('_', '-')} needs --group or --all-groups")
    for group in groups:
        if action == "describe":
            describe(args, group)
        elif action == "delete":
            run_gregor(global_args(args) + ["group", "delete", group])
            print(f"Deletion of requested consumer groups ('{group}') was successful.")
        else:
            reset(args, p, group)
