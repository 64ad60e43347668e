"""kafka-get-offsets.sh, kafka-delete-records.sh and kafka-dump-log.sh, on `gregor offsets`,
`gregor records delete` and `gregor log dump`."""

from __future__ import annotations

import json
import re
import subprocess
import sys

from common import Parser, add_connection, fail, find_binary, global_args, gregor_json

TIMES = {"-1": "latest", "latest": "latest", "-2": "earliest", "earliest": "earliest"}


def get_offsets_parser() -> Parser:
    p = Parser("kafka-get-offsets.sh", "Print topic:partition:offset lines (on gregor).")
    add_connection(p)
    p.add_argument("--topic", help="A regular expression of topic names (default: every topic)")
    p.add_argument("--partitions", help="Comma-separated partition ids (default: all)")
    p.add_argument("--time", default="-1", help="-1/latest, -2/earliest or a timestamp in ms")
    p.add_argument("--exclude-internal-topics", action="store_true", help="Leave out __ topics")
    for ignored in ("--offsets", "--max-wait-ms"):  # the older GetOffsetShell's
        p.add_argument(ignored, type=int, help="Accepted, no effect")
    return p


def get_offsets_main(argv: list[str]) -> None:
    p = get_offsets_parser()
    args = p.parse_args(argv)
    time = TIMES.get(args.time, args.time)
    if time not in ("latest", "earliest") and not time.isdigit():
        p.usage_error(f"--time must be -1, -2, latest, earliest or a timestamp in ms, got "
                      f"'{args.time}' (max-timestamp is not supported)")
    partitions = []
    for text in (args.partitions or "").split(","):
        if text and not text.isdigit():
            p.usage_error(f"--partitions must be comma-separated ids, got '{args.partitions}'")
        partitions += ["--partition", text] if text else []
    topics = [t["topic"] for t in gregor_json(global_args(args) + ["topic", "list"])]
    if args.topic:
        try:
            topics = [t for t in topics if re.fullmatch(args.topic, t)]
        except re.error as e:
            p.usage_error(f"--topic '{args.topic}' is not a regular expression: {e}")
    if args.exclude_internal_topics:
        topics = [t for t in topics if not t.startswith("__")]
    for topic in topics:
        for row in gregor_json(global_args(args) + ["offsets", topic, "--time", time, *partitions]):
            print(f"{row['topic']}:{row['partition']}:{row['offset']}")


def delete_records_main(argv: list[str]) -> None:
    p = Parser("kafka-delete-records.sh", "Delete records up to offsets (on gregor).")
    add_connection(p)
    p.add_argument("--offset-json-file", required=True,
                   help='{"partitions": [{"topic": "t", "partition": 0, "offset": 10}]}')
    args = p.parse_args(argv)
    try:
        with open(args.offset_json_file) as f:
            entries = json.load(f)["partitions"]
        requests = [(str(e["topic"]), int(e["partition"]), int(e["offset"])) for e in entries]
    except OSError as e:
        fail(f"error: cannot read --offset-json-file {args.offset_json_file}: {e.strerror}")
    except (ValueError, KeyError, TypeError):
        fail(f"error: --offset-json-file {args.offset_json_file} is not "
             '{"partitions": [{"topic": ..., "partition": ..., "offset": ...}, ...]}')
    print("Executing records delete operation")
    results = []
    for topic, partition, offset in requests:
        results += gregor_json(global_args(args) + ["records", "delete", topic,
                                                    "--partition", str(partition),
                                                    "--offset", str(offset)])
    print("Records delete operation completed:")
    for r in results:
        print(f"partition: {r['topic']}-{r['partition']}\tlow_watermark: {r['low_watermark']}")


def dump_log_main(argv: list[str]) -> None:
    p = Parser("kafka-dump-log.sh", "Decode segment files offline (on gregor).")
    p.add_argument("--files", required=True, help="Comma-separated .log segment files")
    p.add_argument("--print-data-log", action="store_true", help="Print each record too")
    p.add_argument("--deep-iteration", action="store_true", help="Same as --print-data-log")
    args = p.parse_args(argv)
    batches_only = [] if args.print_data_log or args.deep_iteration else ["--batches-only"]
    for path in [f for f in args.files.split(",") if f]:  # stops at the first failure
        sys.stdout.flush()
        code = subprocess.call([find_binary("gregor"), "log", "dump", path, *batches_only])
        if code != 0:
            sys.exit(code)
