"""Avro single-object encoding, the wire format of every fedarch event: C3 01, the 8-byte little-endian
fingerprint of the writer schema (fingerprints.py), then the Avro binary body. No registry is involved: the
fingerprint says which .avsc file wrote the message."""
import io
import struct

import avro.errors
import avro.io
import avro.schema

from .errors import WireError
from .fingerprints import fingerprint

MARKER = b"\xc3\x01"
HEADER_BYTES = 10


def with_defaults(schema, datum):
    """The datum with every missing record field set to its schema default (python3-avro's writer applies none),
    so a client keeps working when the contract adds fields with defaults."""
    if isinstance(schema, avro.schema.UnionSchema) and isinstance(datum, dict):
        records = [s for s in schema.schemas if isinstance(s, avro.schema.RecordSchema)]
        return with_defaults(records[0], datum) if len(records) == 1 else datum
    if isinstance(schema, avro.schema.ArraySchema) and isinstance(datum, list):
        return [with_defaults(schema.items, item) for item in datum]
    if isinstance(schema, avro.schema.MapSchema) and isinstance(datum, dict):
        return {key: with_defaults(schema.values, value) for key, value in datum.items()}
    if not isinstance(schema, avro.schema.RecordSchema) or not isinstance(datum, dict):
        return datum
    filled = dict(datum)
    for field in schema.fields:
        if field.name not in filled and field.has_default:
            filled[field.name] = field.default
        if field.name in filled:
            filled[field.name] = with_defaults(field.type, filled[field.name])
    return filled


def encode(schema, datum):
    """The single-object message of a datum (a dict with the .avsc field names) written with the schema."""
    body = io.BytesIO()
    try:
        avro.io.DatumWriter(schema).write(with_defaults(schema, datum), avro.io.BinaryEncoder(body))
    except (avro.errors.AvroException, TypeError, ValueError, AttributeError) as e:
        raise WireError(f"cannot encode a {schema.name}: {e}") from e
    return MARKER + struct.pack("<Q", fingerprint(schema)) + body.getvalue()


def decode(contract, payload):
    """(schema name, datum) of a single-object message whose writer schema is one of the contract's."""
    if payload is None or len(payload) < HEADER_BYTES or payload[:2] != MARKER:
        raise WireError("not an Avro single-object message (no C3 01 header)")
    fp = struct.unpack("<Q", payload[2:HEADER_BYTES])[0]
    schema = contract.by_fingerprint.get(fp)
    if schema is None:
        raise WireError(f"unknown writer schema fingerprint {fp:016x}")
    try:
        datum = avro.io.DatumReader(schema).read(avro.io.BinaryDecoder(io.BytesIO(payload[HEADER_BYTES:])))
    except (avro.errors.AvroException, EOFError, struct.error, UnicodeDecodeError, ValueError) as e:
        raise WireError(f"not a valid {schema.name} message ({len(payload)} bytes): {e}") from e
    return schema.name, datum
