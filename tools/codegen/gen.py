#!/usr/bin/env python3
"""Generates C++ message structs with encode/decode from Gregor's protocol schemas.

  gen.py --out DIR schemas/produce.schema        -> DIR/produce.h, DIR/produce.cc
  gen.py --out DIR --api-list schemas/*.schema   -> DIR/api_list.h
  gen.py --out DIR --data schemas/data/x.schema  -> DIR/x.h, DIR/x.cc (data formats, no API)

The schema language is described in docs/formats/schema-language.md. The generated code calls
only the primitive codec in src/protocol/codec.h.
"""
import argparse
import os
import re
import sys
from dataclasses import dataclass, field as dc_field
from typing import List, Optional, Tuple

NO_VERSION = 32767

PRIMITIVES = {
    "int8": "int8_t", "int16": "int16_t", "int32": "int32_t", "int64": "int64_t",
    "uint16": "uint16_t", "uint32": "uint32_t", "float64": "double", "bool": "bool",
    "string": "std::string", "bytes": "std::vector<uint8_t>", "records": "Records",
    "uuid": "Uuid",
}
# Reader/Writer method for each fixed-size primitive.
FIXED_CODEC = {
    "int8": "i8", "int16": "i16", "int32": "i32", "int64": "i64", "uint16": "u16",
    "uint32": "u32", "float64": "f64", "bool": "boolean", "uuid": "uuid",
}


class SchemaError(Exception):
    pass


@dataclass
class Field:
    name: str
    type: str  # primitive name or struct name
    is_array: bool
    versions: Tuple[int, int]
    nullable: Optional[Tuple[int, int]]
    tag: Optional[int]
    default: Optional[str]
    struct: Optional["Struct"] = None  # for struct-typed fields
    line: int = 0

    @property
    def is_struct(self):
        return self.struct is not None


@dataclass
class Struct:
    name: str
    fields: List[Field] = dc_field(default_factory=list)


@dataclass
class Message:
    name: str
    api_key: Optional[int]  # None for a data format
    versions: Tuple[int, int]
    first_flexible: int
    root: Struct = None
    structs: List[Struct] = dc_field(default_factory=list)  # nested, innermost first


def parse_versions(text, lineno):
    m = re.fullmatch(r"v(\d+)(\+|-(\d+))?", text)
    if not m:
        raise SchemaError(f"line {lineno}: bad version range '{text}'")
    low = int(m.group(1))
    if m.group(2) == "+":
        return (low, NO_VERSION)
    if m.group(3):
        return (low, int(m.group(3)))
    return (low, low)


def parse_field(tokens, lineno, message_versions):
    if len(tokens) < 2:
        raise SchemaError(f"line {lineno}: a field needs a name and a type")
    name, type_text = tokens[0], tokens[1]
    is_array = type_text.startswith("[]")
    base = type_text[2:] if is_array else type_text
    if base not in PRIMITIVES and not base[:1].isupper():
        raise SchemaError(f"line {lineno}: unknown type '{type_text}'")
    versions, nullable, tag, default = message_versions, None, None, None
    for tok in tokens[2:]:
        if tok.startswith("v"):
            versions = parse_versions(tok, lineno)
        elif tok == "nullable":
            nullable = "all"
        elif tok.startswith("nullable="):
            nullable = parse_versions(tok[len("nullable="):], lineno)
        elif tok.startswith("tag="):
            tag = int(tok[4:])
        elif tok.startswith("default="):
            default = tok[len("default="):]
        else:
            raise SchemaError(f"line {lineno}: unexpected '{tok}'")
    if nullable == "all":
        nullable = versions
    return Field(name, base, is_array, versions, nullable, tag, default, line=lineno)


def parse_section_heading(tokens, path, lineno):
    """`<request|response|data Name> versions <lo>-<hi> [flexible <v>+|none]`: (name, versions,
    first flexible version)."""
    rest = tokens[2:] if tokens[0] == "data" else tokens[1:]
    if len(rest) < 2 or rest[0] != "versions" or not re.fullmatch(r"\d+-\d+", rest[1]):
        raise SchemaError(f"{path}:{lineno}: expected 'versions <min>-<max>'")
    low, high = (int(x) for x in rest[1].split("-"))
    flex = NO_VERSION
    if len(rest) >= 4 and rest[2] == "flexible" and rest[3] != "none":
        flex = int(rest[3].rstrip("+"))
    return (low, high), flex


def parse_sections(path):
    """Returns (api_key, api_name, {section: Message}) in file order. A section is `request`,
    `response` or `data:<Name>`."""
    api_key, api_name, messages = None, None, {}
    current = None  # (Message, stack of (indent, Struct))
    known_structs = {}
    with open(path) as f:
        lines = f.read().splitlines()
    for lineno, raw in enumerate(lines, 1):
        if not raw.strip() or raw.lstrip().startswith("#"):
            continue
        indent = len(raw) - len(raw.lstrip(" "))
        tokens = raw.split()
        if indent == 0:
            if tokens[0] == "api":
                api_key, api_name = int(tokens[1]), tokens[2]
                continue
            if tokens[0] in ("request", "response", "data"):
                versions, flex = parse_section_heading(tokens, path, lineno)
                if tokens[0] == "data":
                    name, section = tokens[1], "data:" + tokens[1]
                else:
                    name, section = api_name + tokens[0].capitalize(), tokens[0]
                msg = Message(name, api_key if tokens[0] != "data" else None, versions, flex,
                              Struct(name))
                messages[section] = msg
                known_structs = {}
                current = (msg, [(0, msg.root)])
                continue
            raise SchemaError(f"{path}:{lineno}: unexpected '{raw}'")
        if current is None or indent % 2:
            raise SchemaError(f"{path}:{lineno}: bad indentation")
        msg, stack = current
        if indent > stack[-1][0] + 2:
            raise SchemaError(f"{path}:{lineno}: fields under a struct reference or misindented")
        while stack and stack[-1][0] >= indent:
            stack.pop()
        if not stack:
            raise SchemaError(f"{path}:{lineno}: bad indentation")
        parent = stack[-1][1]
        try:
            fld = parse_field(tokens, lineno, msg.versions)
        except SchemaError as e:
            raise SchemaError(f"{path}: {e}")
        if fld.type not in PRIMITIVES:
            existing = known_structs.get(fld.type)
            if existing is None:
                existing = Struct(fld.type)
                known_structs[fld.type] = existing
                stack.append((indent, existing))
            fld.struct = existing
        parent.fields.append(fld)
    for msg in messages.values():
        msg.structs = ordered_structs(msg.root)
        check_message(msg, path)
    return api_key, api_name, messages


def parse_schema(path):
    """Returns (api_key, api_name, request Message, response Message)."""
    api_key, api_name, messages = parse_sections(path)
    if set(messages) != {"request", "response"} or api_key is None:
        raise SchemaError(f"{path}: needs an api line, a request and a response section")
    return api_key, api_name, messages["request"], messages["response"]


def parse_data(path):
    """Returns the data formats of a file without an API, in file order."""
    api_key, _, messages = parse_sections(path)
    if api_key is not None or not messages or any(not k.startswith("data:") for k in messages):
        raise SchemaError(f"{path}: a data file holds only 'data' sections")
    return list(messages.values())


def ordered_structs(root):
    """Nested structs, each after the structs it contains (so C++ sees them declared first)."""
    out, seen = [], set()

    def visit(struct):
        for f in struct.fields:
            if f.is_struct and f.struct.name not in seen:
                seen.add(f.struct.name)
                visit(f.struct)
                out.append(f.struct)
    visit(root)
    return out


def check_message(msg, path):
    for struct in [msg.root] + msg.structs:
        if not struct.fields:
            raise SchemaError(f"{path}: struct {struct.name} in {msg.name} has no fields")
        tags = [f.tag for f in struct.fields if f.tag is not None]
        if len(tags) != len(set(tags)):
            raise SchemaError(f"{path}: duplicate tag in {struct.name}")
        for f in struct.fields:
            if f.tag is not None and f.versions[0] < msg.first_flexible:
                raise SchemaError(f"{path}:{f.line}: tagged field {f.name} outside flexible versions")


# ---------------------------------------------------------------- C++ emission

def version_test(rng, msg):
    low, high = rng
    conds = []
    if low > msg.versions[0]:
        conds.append(f"version >= {low}")
    if high < msg.versions[1]:
        conds.append(f"version <= {high}")
    return " && ".join(conds)


def cpp_type(f):
    base = f.struct.name if f.is_struct else PRIMITIVES[f.type]
    t = f"std::vector<{base}>" if f.is_array else base
    if f.nullable and f.type != "records" and (f.is_array or f.type in ("string", "bytes")):
        t = f"std::optional<{t}>"
    return t


def is_optional(f):
    return cpp_type(f).startswith("std::optional")


def cpp_default(f):
    d = f.default
    if d is None or d == "null":
        return ""
    if f.type == "bool":
        return " = " + d
    if f.type == "string":
        return " = " + (d if d.startswith('"') else f'"{d}"')
    if f.type in ("int8", "int16", "int32", "int64", "uint16", "uint32", "float64"):
        return f" = {d}"
    raise SchemaError(f"line {f.line}: default not supported for {f.type}")


def contains_records(struct, seen=None):
    seen = seen or set()
    for f in struct.fields:
        if f.type == "records":
            return True
        if f.is_struct and f.struct.name not in seen:
            seen.add(f.struct.name)
            if contains_records(f.struct, seen):
                return True
    return False


def declare_struct(struct, indent):
    pad = " " * indent
    out = [f"{pad}struct {struct.name} {{"]
    for f in struct.fields:
        out.append(f"{pad}  {cpp_type(f)} {f.name}{cpp_default(f) or '{}'};")
    out.append("")
    out.append(f"{pad}  void encode(Writer& out, int16_t version) const;")
    out.append(f"{pad}  void decode(Reader& in, int16_t version);")
    if not contains_records(struct):
        out.append(f"{pad}  bool operator==(const {struct.name}&) const = default;")
    return out


def nullable_test(f, msg):
    if not f.nullable:
        return "false"
    return version_test(f.nullable, msg) or "true"


def encode_value(f, expr, msg, w="out"):
    """Statements that write one field value."""
    if f.is_array:
        lines = []
        vec = f"(*{expr})" if is_optional(f) else expr
        if is_optional(f):
            lines.append(f"if (!{expr}) {{ {w}.array_length(-1, flex); }} else {{")
        else:
            lines.append("{")
        lines.append(f"  {w}.array_length(static_cast<int32_t>({vec}.size()), flex);")
        lines.append(f"  for (const auto& item : {vec}) {{")
        lines.append("    " + encode_scalar(f, "item", w, element=True))
        lines.append("  }")
        lines.append("}")
        return lines
    return [encode_scalar(f, expr, w, element=False, msg=msg)]


def encode_scalar(f, expr, w, element, msg=None):
    if f.is_struct:
        return f"{expr}.encode({w}, version);"
    if f.type in FIXED_CODEC:
        return f"{w}.{FIXED_CODEC[f.type]}({expr});"
    if f.type == "records":
        return f"{w}.records({expr}, flex);"
    kind = "string" if f.type == "string" else "bytes"
    empty = '""' if kind == "string" else "ByteView{}"
    if element or not is_optional(f):
        return f"{w}.{kind}({expr}, flex);"
    test = nullable_test(f, msg)
    return (f"if ({test}) {{ {w}.nullable_{kind}({expr}, flex); }} "
            f"else if ({expr}) {{ {w}.{kind}(*{expr}, flex); }} else {{ {w}.{kind}({empty}, flex); }}")


def decode_value(f, expr, msg, r="in"):
    if f.is_array:
        lines = ["{", f"  const int32_t count = {r}.array_length(flex);"]
        if is_optional(f):
            lines.append(f"  if (count < 0) {{ {expr}.reset(); }} else {{")
            lines.append(f"    auto& items = {expr}.emplace();")
        else:
            lines.append(f"  if (count < 0) {{ {r}.fail(); }} else {{")
            lines.append(f"    auto& items = {expr};")
        lines.append("    items.clear();")
        lines.append("    items.resize(static_cast<size_t>(count));")
        lines.append(f"    for (auto& item : items) {{")
        lines.append(f"      if (!{r}.ok()) break;")
        lines.append("      " + decode_scalar(f, "item", r, element=True))
        lines.append("    }")
        lines.append("  }")
        lines.append("}")
        return lines
    return [decode_scalar(f, expr, r, element=False, msg=msg)]


def decode_scalar(f, expr, r, element, msg=None):
    if f.is_struct:
        return f"{expr}.decode({r}, version);"
    if f.type in FIXED_CODEC:
        return f"{expr} = {r}.{FIXED_CODEC[f.type]}();"
    if f.type == "records":
        return f"{expr} = {r}.records(flex);"
    kind = "string" if f.type == "string" else "bytes"
    if element or not is_optional(f):
        return f"{expr} = {r}.{kind}(flex);"
    test = nullable_test(f, msg)
    cpp = "std::string" if kind == "string" else "std::vector<uint8_t>"
    return (f"{expr} = ({test}) ? {r}.nullable_{kind}(flex) "
            f": std::optional<{cpp}>({r}.{kind}(flex));")


def default_test(f, expr):
    """C++ condition that is true when a tagged field differs from its default."""
    if f.is_array or f.type in ("bytes",):
        return f"!{expr}.empty()" if not is_optional(f) else f"{expr}.has_value()"
    if f.type == "string":
        if is_optional(f):
            return f"{expr}.has_value()"
        empty = '""'
        return f"{expr} != {cpp_default(f)[3:] or empty}"
    if f.is_struct:
        return f"!({expr} == {f.struct.name}{{}})"
    if f.type == "uuid":
        return f"!{expr}.is_zero()"
    d = cpp_default(f)[3:] or ("false" if f.type == "bool" else "0")
    return f"{expr} != {d}"


def struct_body(struct, msg, qualified):
    out = []
    plain = [f for f in struct.fields if f.tag is None]
    tagged = sorted((f for f in struct.fields if f.tag is not None), key=lambda f: f.tag)
    flex = f"version >= {msg.name}::kFirstFlexible"

    out.append(f"void {qualified}::encode(Writer& out, int16_t version) const {{")
    out.append(f"  [[maybe_unused]] const bool flex = {flex};")
    for f in plain:
        out += guarded(version_test(f.versions, msg), encode_value(f, f.name, msg))
    out.append("  if (flex) {")
    if tagged:
        out.append("    uint32_t tagged_count = 0;")
        for f in tagged:
            cond = join_conds(version_test(f.versions, msg), default_test(f, f.name))
            out.append(f"    if ({cond}) ++tagged_count;")
        out.append("    out.uvarint(tagged_count);")
        for f in tagged:
            cond = join_conds(version_test(f.versions, msg), default_test(f, f.name))
            out.append(f"    if ({cond}) {{")
            out.append("      Writer field_out;")
            out += ["      " + s for s in encode_value(f, f.name, msg, w="field_out")]
            out.append(f"      out.uvarint({f.tag});")
            out.append("      out.uvarint(static_cast<uint32_t>(field_out.size()));")
            out.append("      out.append(std::move(field_out));")
            out.append("    }")
    else:
        out.append("    out.uvarint(0);")
    out.append("  }")
    out.append("}")
    out.append("")

    out.append(f"void {qualified}::decode(Reader& in, int16_t version) {{")
    out.append(f"  [[maybe_unused]] const bool flex = {flex};")
    for f in plain:
        out += guarded(version_test(f.versions, msg), decode_value(f, f.name, msg))
    out.append("  if (flex) {")
    out.append("    const uint32_t tagged_count = in.uvarint();")
    out.append("    for (uint32_t i = 0; i < tagged_count && in.ok(); ++i) {")
    out.append("      const uint32_t tag = in.uvarint();")
    out.append("      Reader field_in(in.take(in.uvarint()));")
    if tagged:
        out.append("      switch (tag) {")
        for f in tagged:
            out.append(f"        case {f.tag}:")
            body = decode_value(f, f.name, msg, r="field_in")
            out += guarded(version_test(f.versions, msg), body, indent=10)
            out.append("          break;")
        out.append("        default:")
        out.append("          break;  // unknown tags are skipped, as KIP-482 requires")
        out.append("      }")
        out.append("      if (!field_in.ok()) in.fail();")
    else:
        out.append("      (void)tag;  // no known tags: skip them all")
    out.append("    }")
    out.append("  }")
    out.append("}")
    out.append("")
    return out


def join_conds(a, b):
    return " && ".join(c for c in (a, b) if c) or "true"


def guarded(cond, lines, indent=2):
    pad = " " * indent
    if not cond:
        return [pad + s for s in lines]
    return [f"{pad}if ({cond}) {{"] + [pad + "  " + s for s in lines] + [f"{pad}}}"]


def emit_header(messages, schema):
    out = [
        f"// Generated by tools/codegen/gen.py from {schema}. Do not edit.",
        "#pragma once",
        "",
        "#include <cstdint>",
        "#include <optional>",
        "#include <string>",
        "#include <vector>",
        "",
        '#include "protocol/codec.h"',
        "",
        "namespace gregor::protocol {",
        "",
    ]
    for msg in messages:
        out.append(f"struct {msg.name} {{")
        if msg.api_key is not None:
            out.append(f"  static constexpr int16_t kApiKey = {msg.api_key};")
            api_name = msg.name[:-len("Request")] if msg.name.endswith("Request") else \
                msg.name[:-len("Response")]
            out.append(f'  static constexpr const char* kApiName = "{api_name}";')
        out.append(f"  static constexpr int16_t kMinVersion = {msg.versions[0]};")
        out.append(f"  static constexpr int16_t kMaxVersion = {msg.versions[1]};")
        out.append(f"  static constexpr int16_t kFirstFlexible = {msg.first_flexible};")
        out.append("")
        for struct in msg.structs:
            out += declare_struct(struct, 2)
            out.append("  };")
            out.append("")
        body = declare_struct(msg.root, 0)[1:]
        out += body
        out.append("};")
        out.append("")
    out.append("}  // namespace gregor::protocol")
    return "\n".join(out) + "\n"


def emit_source(messages, schema, header):
    out = [
        f"// Generated by tools/codegen/gen.py from {schema}. Do not edit.",
        f'#include "{header}"',
        "",
        "#include <utility>",
        "",
        "namespace gregor::protocol {",
        "",
    ]
    for msg in messages:
        for struct in msg.structs:
            out += struct_body(struct, msg, f"{msg.name}::{struct.name}")
        out += struct_body(msg.root, msg, msg.name)
    out.append("}  // namespace gregor::protocol")
    return "\n".join(out) + "\n"


def emit_api_list(schemas):
    out = [
        "// Generated by tools/codegen/gen.py from schemas/*.schema. Do not edit.",
        "// Every API Gregor has a schema for, with the versions the schema describes.",
        "#pragma once",
        "",
        "#include <cstdint>",
        "",
        "namespace gregor::protocol {",
        "",
        "struct ApiSchemaInfo {",
        "  int16_t key;",
        "  const char* name;",
        "  int16_t min_version;",
        "  int16_t max_version;",
        "  int16_t request_first_flexible;",
        "  int16_t response_first_flexible;",
        "};",
        "",
        "inline constexpr ApiSchemaInfo kApiSchemas[] = {",
    ]
    for key, name, req, resp in sorted(schemas):
        out.append(f'    {{{key}, "{name}", {req.versions[0]}, {req.versions[1]}, '
                   f"{req.first_flexible}, {resp.first_flexible}}},")
    out += ["};", "", "}  // namespace gregor::protocol", ""]
    return "\n".join(out)


def emit_all_messages(paths):
    """A header that names every generated message, for tests and fuzzers that must cover all
    of them. The broker itself includes only the messages it uses."""
    out = [
        "// Generated by tools/codegen/gen.py from schemas/*.schema. Do not edit.",
        "// Every generated message type, for code that must visit all of them (tests, fuzzers).",
        "#pragma once",
        "",
    ]
    for path in sorted(paths):
        snake = os.path.splitext(os.path.basename(path))[0]
        out.append(f'#include "protocol/messages/{snake}.h"')
    out += ["", "namespace gregor::protocol {", "",
            "// Calls visitor.template operator()<Message>() for every request and response type.",
            "template <typename Visitor>",
            "void for_each_message(Visitor&& visitor) {"]
    for path in sorted(paths):
        _, name, _, _ = parse_schema(path)
        out.append(f"  visitor.template operator()<{name}Request>();")
        out.append(f"  visitor.template operator()<{name}Response>();")
    out += ["}", "", "}  // namespace gregor::protocol", ""]
    return "\n".join(out)


def write_if_changed(path, text):
    if os.path.exists(path) and open(path).read() == text:
        os.utime(path)
        return
    with open(path, "w") as f:
        f.write(text)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", required=True)
    ap.add_argument("--api-list", action="store_true")
    ap.add_argument("--data", action="store_true", help="the schemas are data formats")
    ap.add_argument("schemas", nargs="+")
    args = ap.parse_args()
    os.makedirs(args.out, exist_ok=True)
    try:
        if args.data:
            parsed = [parse_data(p) for p in args.schemas]
        else:
            parsed = [parse_schema(p) for p in args.schemas]
    except SchemaError as e:
        print(f"gen.py: {e}", file=sys.stderr)
        return 1
    if args.data:
        for path, messages in zip(args.schemas, parsed):
            write_messages(args.out, path, messages, "protocol/data")
        return 0
    if args.api_list:
        write_if_changed(os.path.join(args.out, "api_list.h"), emit_api_list(parsed))
        write_if_changed(os.path.join(args.out, "all_messages.h"), emit_all_messages(args.schemas))
        return 0
    for path, (_, _, req, resp) in zip(args.schemas, parsed):
        write_messages(args.out, path, [req, resp], "protocol/messages")
    return 0


def write_messages(out_dir, path, messages, include_dir):
    snake = os.path.splitext(os.path.basename(path))[0]
    schema = "schemas/" + ("data/" if include_dir.endswith("data") else "") + snake + ".schema"
    header = f"{include_dir}/{snake}.h"
    write_if_changed(os.path.join(out_dir, snake + ".h"), emit_header(messages, schema))
    write_if_changed(os.path.join(out_dir, snake + ".cc"), emit_source(messages, schema, header))


if __name__ == "__main__":
    sys.exit(main())
