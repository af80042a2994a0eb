"""Avro schema fingerprints: CRC-64-AVRO of the Parsing Canonical Form (PCF), as the Avro specification and Java's
SchemaNormalization compute them.

python3-avro 1.11's own ``schema.canonical_form`` is wrong for logical types: it writes a timestamp-millis field as
``{"type":"long"}`` where the specification's [PRIMITIVES] rule (and Java) write ``"long"``, so its fingerprints do
not match what every fedarch service puts on the wire. This module therefore builds the PCF itself from the parsed
schema and uses avro only for parsing.
"""
import json

import avro.schema

_CRC64_EMPTY = 0xC15D213AA4D7A795
_MASK64 = 0xFFFFFFFFFFFFFFFF


def _crc64_table():
    table = []
    for i in range(256):
        fp = i
        for _ in range(8):
            fp = (fp >> 1) ^ (_CRC64_EMPTY if fp & 1 else 0)
        table.append(fp & _MASK64)
    return table


_CRC64_TABLE = _crc64_table()


def crc64_avro(data):
    """The Rabin fingerprint the Avro specification calls CRC-64-AVRO, of bytes, as an unsigned 64-bit int."""
    fp = _CRC64_EMPTY
    for byte in data:
        fp = (fp >> 8) ^ _CRC64_TABLE[(fp ^ byte) & 0xFF]
    return fp & _MASK64


def parsing_canonical_form(schema):
    """The specification's Parsing Canonical Form of a parsed avro schema, as a compact JSON string."""
    return _canonical(schema, set())


def _canonical(schema, seen):
    kind = schema.type
    if isinstance(schema, avro.schema.UnionSchema):
        return "[" + ",".join(_canonical(s, seen) for s in schema.schemas) + "]"
    if kind in ("record", "error", "enum", "fixed"):
        name = json.dumps(schema.fullname)
        if schema.fullname in seen:  # a named type is spelled out once, then referred to by its full name
            return name
        seen.add(schema.fullname)
        head = '{"name":' + name + ',"type":"' + ("record" if kind == "error" else kind) + '"'
        if kind == "enum":
            return head + ',"symbols":[' + ",".join(json.dumps(s) for s in schema.symbols) + "]}"
        if kind == "fixed":
            return head + ',"size":' + str(schema.size) + "}"
        fields = ",".join('{"name":' + json.dumps(f.name) + ',"type":' + _canonical(f.type, seen) + "}"
                          for f in schema.fields)
        return head + ',"fields":[' + fields + "]}"
    if kind == "array":
        return '{"type":"array","items":' + _canonical(schema.items, seen) + "}"
    if kind == "map":
        return '{"type":"map","values":' + _canonical(schema.values, seen) + "}"
    # A primitive, with or without a logical type: just its name ([PRIMITIVES], where python3-avro 1.11 errs).
    return json.dumps(kind)


def fingerprint(schema):
    """CRC-64-AVRO of the schema's Parsing Canonical Form: the 8 bytes after C3 01 in a single-object message."""
    return crc64_avro(parsing_canonical_form(schema).encode("utf-8"))
