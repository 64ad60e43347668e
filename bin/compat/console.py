"""kafka-console-producer.sh and kafka-console-consumer.sh, on `gregor produce` and `gregor consume`.

Kafka's --property settings become gregor options: parse.key/key.separator split each line into key
and value; print.key, print.partition, print.offset, print.timestamp, print.headers, print.value and
key.separator build the --format of each printed message, in Kafka's order and with Kafka's labels.
"""

from __future__ import annotations

from common import Parser, add_connection, parse_properties, run_with_client_config, server_args

CODECS = ["none", "gzip", "snappy", "lz4", "zstd"]
TRUE = ("true", "yes", "1")


def producer_parser() -> Parser:
    p = Parser("kafka-console-producer.sh", "Send each line of stdin as a message (on gregor).")
    add_connection(p, "--producer.config")
    p.add_argument("--topic", required=True, help="The topic to produce to")
    p.add_argument("--property", action="append", help="parse.key=true, key.separator=SEP")
    p.add_argument("--producer-property", action="append", help="Producer property KEY=VALUE")
    p.add_argument("--request-required-acks", help="acks: all, -1, 0 or 1")
    p.add_argument("--compression-codec", nargs="?", const="gzip", choices=CODECS,
                   help="Compression codec (gzip when given alone)")
    p.add_argument("--sync", action="store_true", help="Accepted: gregor waits for every message")
    p.add_argument("--timeout", type=int, help="linger.ms: how long messages wait for a batch")
    p.add_argument("--batch-size", type=int, help="Messages per batch")
    p.add_argument("--message-send-max-retries", type=int, help="Retries per message")
    p.add_argument("--retry-backoff-ms", type=int, help="Wait before a retry")
    p.add_argument("--request-timeout-ms", type=int, help="Wait for a broker's answer")
    return p


def producer_main(argv: list[str]) -> None:
    p = producer_parser()
    args = p.parse_args(argv)
    reader = parse_properties(args.property, p, "--property")
    client = parse_properties(args.producer_property, p, "--producer-property")
    if reader.get("parse.headers", "false").lower() in TRUE:
        p.usage_error("parse.headers is not supported: gregor produce --header sets fixed headers")
    command = server_args(args) + ["produce", args.topic]
    if reader.get("parse.key", "false").lower() in TRUE:
        command += ["--key-separator", reader.get("key.separator", "\t")]
    acks = client.pop("acks", args.request_required_acks)
    if acks:
        command += ["--acks", acks]
    codec = client.pop("compression.type", args.compression_codec)
    if codec:
        command += ["--compression", codec]
    for flag, name in (("timeout", "linger.ms"), ("batch_size", "batch.num.messages"),
                       ("message_send_max_retries", "message.send.max.retries"),
                       ("retry_backoff_ms", "retry.backoff.ms"),
                       ("request_timeout_ms", "request.timeout.ms")):
        if getattr(args, flag) is not None:
            client[name] = str(getattr(args, flag))
    run_with_client_config(command, args.command_config, client)


def consumer_parser() -> Parser:
    p = Parser("kafka-console-consumer.sh", "Print a topic's messages (on gregor).")
    add_connection(p, "--consumer.config", zookeeper=True)
    p.add_argument("--topic", help="The topic to consume")
    p.add_argument("--include", "--whitelist", dest="include", help="Not supported: use --topic")
    p.add_argument("--from-beginning", action="store_true", help="Start at the earliest offset")
    p.add_argument("--partition", type=int, help="Only this partition")
    p.add_argument("--offset", help="earliest, latest or an offset (needs --partition)")
    p.add_argument("--group", help="Consume as a member of this group")
    p.add_argument("--max-messages", type=int, help="Stop after this many messages")
    p.add_argument("--timeout-ms", type=int, dest="idle_timeout_ms",
                   help="Stop when no message came for this long")
    p.add_argument("--property", action="append", help="print.key=true, key.separator=SEP, ...")
    p.add_argument("--consumer-property", action="append", help="Consumer property KEY=VALUE")
    p.add_argument("--isolation-level", help="read_committed or read_uncommitted")
    p.add_argument("--formatter", help="Only Kafka's DefaultMessageFormatter is supported")
    p.add_argument("--skip-message-on-error", action="store_true", help="Accepted, no effect")
    return p


def escape(text: str) -> str:
    """`text` as a literal inside a gregor --format."""
    return text.replace("\\", "\\\\").replace("%", "%%")


def message_format(props: dict[str, str]) -> str:
    """Kafka's DefaultMessageFormatter layout as a gregor --format string."""
    def enabled(name: str, default: str = "false") -> bool:
        return props.get(name, default).lower() in TRUE

    separator = escape(props.get("key.separator", "\t"))
    fields = []
    if enabled("print.timestamp"):
        fields.append("CreateTime:%t")
    if enabled("print.partition"):
        fields.append("Partition:%p")
    if enabled("print.offset"):
        fields.append("Offset:%o")
    if enabled("print.headers"):
        fields.append("%h")
    if enabled("print.key"):
        fields.append("%k")
    if enabled("print.value", "true"):
        fields.append("%v")
    return separator.join(fields)


def start_position(args, p: Parser) -> list[str]:
    if args.offset is None:
        return ["--from-beginning"] if args.from_beginning else []
    if args.partition is None:
        p.usage_error("--offset needs --partition")
    if args.offset == "earliest":
        return ["--from-beginning"]
    if args.offset == "latest":
        return []
    if not args.offset.isdigit():
        p.usage_error(f"--offset must be earliest, latest or a number, got '{args.offset}'")
    return ["--offset", args.offset]


def consumer_main(argv: list[str]) -> None:
    p = consumer_parser()
    args = p.parse_args(argv)
    if args.include:
        p.usage_error("--include/--whitelist is not supported: name one --topic")
    if not args.topic:
        p.usage_error("--topic is required")
    if args.formatter and not args.formatter.endswith("DefaultMessageFormatter"):
        p.usage_error(f"--formatter {args.formatter} is not supported")
    props = parse_properties(args.property, p, "--property")
    client = parse_properties(args.consumer_property, p, "--consumer-property")
    if props.get("line.separator", "\n") != "\n":
        p.usage_error("line.separator other than a newline is not supported")
    command = server_args(args) + ["consume", args.topic, "--format", message_format(props)]
    command += start_position(args, p)
    if args.partition is not None:
        command += ["--partition", str(args.partition)]
    if args.group:
        command += ["--group", args.group]
    if args.max_messages is not None:
        command += ["--max-messages", str(args.max_messages)]
    if args.idle_timeout_ms is not None:
        command += ["--idle-timeout-ms", str(args.idle_timeout_ms)]
    if args.isolation_level:
        client["isolation.level"] = args.isolation_level
    run_with_client_config(command, args.command_config, client)
