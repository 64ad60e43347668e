"""kafka-configs.sh: --describe and --alter (--add-config, --delete-config) of topic and broker
configs, on `gregor config`, printed in Kafka's layout."""

from __future__ import annotations

from common import Parser, add_connection, global_args, gregor_json, run_gregor

ENTITY_TYPES = {"topics": "topic", "brokers": "broker"}
DYNAMIC = ("DYNAMIC_TOPIC_CONFIG", "DYNAMIC_BROKER_CONFIG", "DYNAMIC_DEFAULT_BROKER_CONFIG")
DEFAULTS = "the default broker"  # --entity-type brokers --entity-default


def parser() -> Parser:
    p = Parser("kafka-configs.sh", "Describe and alter topic and broker configs (on gregor).")
    add_connection(p, zookeeper=True)
    p.add_argument("--describe", action="store_true", help="Show the configs")
    p.add_argument("--alter", action="store_true", help="Change the configs")
    p.add_argument("--entity-type", help="topics or brokers")
    p.add_argument("--entity-name", help="The topic name or broker id")
    p.add_argument("--entity-default", action="store_true",
                   help="With --entity-type brokers: the defaults of every broker")
    p.add_argument("--topic", help="Same as --entity-type topics --entity-name TOPIC")
    p.add_argument("--broker", help="Same as --entity-type brokers --entity-name ID")
    p.add_argument("--add-config", help="k1=v1,k2=[v1,v2]: configs to set")
    p.add_argument("--delete-config", help="k1,k2: configs to remove")
    p.add_argument("--all", action="store_true", help="--describe: every config, not only overrides")
    return p


def split_configs(text: str) -> list[str]:
    """Kafka's k1=v1,k2=[a,b] list: commas inside brackets belong to the value."""
    parts, depth, current = [], 0, ""
    for char in text:
        depth += char == "["
        depth -= char == "]"
        if char == "," and depth == 0:
            parts.append(current)
            current = ""
        else:
            current += char
    parts.append(current)
    return [part.replace("[", "").replace("]", "") for part in parts if part]


def entity(args, p: Parser) -> tuple[str, str]:
    if args.topic:
        return "topic", args.topic
    if args.broker:
        return "broker", args.broker
    if args.entity_type not in ENTITY_TYPES:
        p.usage_error("--entity-type must be topics or brokers (users and clients are not "
                      "supported)")
    if args.entity_default:
        if args.entity_type != "brokers":
            p.usage_error("--entity-default is supported with --entity-type brokers only")
        return "broker", DEFAULTS
    if not args.entity_name:
        p.usage_error("--entity-name or --entity-default is required")
    return ENTITY_TYPES[args.entity_type], args.entity_name


def target_args(kind: str, name: str) -> list[str]:
    return ["--broker-defaults"] if name == DEFAULTS else [f"--{kind}", name]


def describe(args, kind: str, name: str) -> None:
    rows = gregor_json(global_args(args) + ["config", "get", *target_args(kind, name)])
    if not args.all:
        rows = [r for r in rows if r["source"] in DYNAMIC]
    if name == DEFAULTS:
        print("Default configs for brokers in the cluster are:")
    else:
        print(f"{'All' if args.all else 'Dynamic'} configs for {kind} {name} are:")
    for r in rows:
        print(f"  {r['name']}={r['value']} sensitive=false "
              f"synonyms={{{r['source']}:{r['name']}={r['value']}}}")


def main(argv: list[str]) -> None:
    p = parser()
    args = p.parse_args(argv)
    if args.describe == args.alter:
        p.usage_error("exactly one of --describe or --alter is required")
    kind, name = entity(args, p)
    if args.describe:
        return describe(args, kind, name)
    if not args.add_config and not args.delete_config:
        p.usage_error("--alter needs --add-config or --delete-config")
    target = target_args(kind, name)
    if args.add_config:
        run_gregor(global_args(args) + ["config", "set", *target, *split_configs(args.add_config)])
    if args.delete_config:
        keys = [k for k in args.delete_config.split(",") if k]
        run_gregor(global_args(args) + ["config", "delete", *target, *keys])
    if name == DEFAULTS:
        print("Completed updating default config for brokers in the cluster.")
    else:
        print(f"Completed updating config for {kind} {name}.")
