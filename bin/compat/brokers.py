"""kafka-log-dirs.sh and kafka-broker-api-versions.sh, on `gregor cluster log-dirs` and
`gregor cluster api-versions`, printed in Kafka's layouts."""

from __future__ import annotations

import json

from common import Parser, add_connection, global_args, gregor_json


def id_list(text: str | None, p: Parser, flag: str) -> list[str]:
    ids = [i.strip() for i in (text or "").split(",") if i.strip()]
    if not all(i.isdigit() for i in ids):
        p.usage_error(f"{flag} must be comma-separated broker ids, got '{text}'")
    return ids


def log_dirs_main(argv: list[str]) -> None:
    p = Parser("kafka-log-dirs.sh", "Describe the brokers' log directories (on gregor).")
    add_connection(p, broker_list=False)
    p.add_argument("--describe", action="store_true", help="Describe the log directories")
    p.add_argument("--broker-list", dest="brokers",
                   help="Comma-separated broker ids (default: every broker)")
    p.add_argument("--topic-list", help="Comma-separated topics (default: every topic)")
    args = p.parse_args(argv)
    if not args.describe:
        p.usage_error("--describe is required")
    command = ["cluster", "log-dirs"]
    for broker in id_list(args.brokers, p, "--broker-list"):
        command += ["--broker", broker]
    for topic in [t for t in (args.topic_list or "").split(",") if t]:
        command += ["--topic", topic]
    print("Querying brokers for log directories information")
    dirs = gregor_json(global_args(args) + command)
    brokers: dict[int, list] = {}
    for d in dirs:
        brokers.setdefault(d["broker"], []).append({
            "logDir": d["log_dir"],
            "error": d["error"],
            "partitions": [{"partition": f"{p['topic']}-{p['partition']}", "size": p["size"],
                            "offsetLag": p["offset_lag"], "isFuture": p["is_future"]}
                           for p in d["partitions"]],
        })
    print(f"Received log directory information from brokers {','.join(map(str, brokers))}")
    document = {"version": 1,
                "brokers": [{"broker": b, "logDirs": dirs} for b, dirs in brokers.items()]}
    print(json.dumps(document, separators=(",", ":")))


def api_line(api) -> str:
    """One API as Kafka's NodeApiVersions prints it: `Name(key): min to max [usable: N]`."""
    label = f"{api['name']}({api['key']})"
    if api["min"] is None:
        return f"{label}: UNSUPPORTED"
    versions = str(api["min"]) if api["min"] == api["max"] else f"{api['min']} to {api['max']}"
    if api["usable"] is not None:
        return f"{label}: {versions} [usable: {api['usable']}]"
    if api["note"]:
        return f"{label}: {versions} [unusable: {api['note']}]"
    return f"{label}: {versions}"


def api_versions_main(argv: list[str]) -> None:
    p = Parser("kafka-broker-api-versions.sh", "Show each broker's API versions (on gregor).")
    add_connection(p)
    args = p.parse_args(argv)
    for broker in gregor_json(global_args(args) + ["cluster", "api-versions"]):
        rack = broker["rack"] if broker["rack"] is not None else "null"
        print(f"{broker['host']}:{broker['port']} (id: {broker['broker']} rack: {rack}) -> (")
        print(",\n".join(f"\t{api_line(api)}" for api in broker["apis"]))
        print(")")
