"""Job specifications from plain dicts or job files, checked against JobSpec.avsc.

Keys are the .avsc field names; omitted fields take their schema defaults, as the Java launcher's JobSpecReader
does, so a setting added to the contract is usable at once. A job file is the YAML of examples/*.yaml: a ``job:``
section with the spec and an optional ``local:`` section (how ./fedarch run runs it here), ignored by a client.
"""
import math
from pathlib import Path

import avro.schema

from .errors import SpecError

JOB_FILE_SECTIONS = ("job", "local")


def build_job_spec(contract, values):
    """The full JobSpec datum of a dict of settings; SpecError names the offending setting."""
    if not isinstance(values, dict):
        raise SpecError(f"a job spec is a mapping of settings, got {type(values).__name__}")
    return _record(_job_spec_schema(contract), values, "")


def read_job_file(path):
    """The ``job:`` settings of a YAML job file, as a dict (build_job_spec checks them)."""
    try:
        import yaml
    except ImportError as e:  # Debian: apt-get install python3-yaml
        raise SpecError("reading YAML job files needs PyYAML (Debian package python3-yaml)") from e
    path = Path(path)
    try:
        root = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as e:
        raise SpecError(f"cannot read job file {path}: {e}") from e
    if not isinstance(root, dict) or not isinstance(root.get("job"), dict):
        raise SpecError(f"{path}: expected a 'job:' section with the job's settings")
    unknown = sorted(str(k) for k in root if k not in JOB_FILE_SECTIONS)
    if unknown:
        raise SpecError(f"{path}: unknown section '{unknown[0]}' (expected job, local)")
    return root["job"]


def _job_spec_schema(contract):
    return next(f.type for f in contract.schema("JobSubmitted").fields if f.name == "spec")


def _record(schema, values, path):
    known = [f.name for f in schema.fields]
    for key in values:
        if key not in known:
            raise SpecError(f"unknown setting '{path}{key}'; expected one of {sorted(known)}")
    out = {}
    for field in schema.fields:
        here = path + field.name
        if field.name in values:
            out[field.name] = _value(field.type, values[field.name], here)
        elif field.has_default:
            out[field.name] = _default(field.type, field.default)
        elif isinstance(field.type, avro.schema.RecordSchema):
            out[field.name] = _record(field.type, {}, here + ".")
        else:
            raise SpecError(f"missing required setting '{here}'")
    return out


def _default(schema, default):
    """A schema default as a datum (Avro writes a record default as JSON, which is already a dict)."""
    if isinstance(schema, avro.schema.UnionSchema) and default is not None:
        return _value(schema.schemas[0], default, "")
    return default


def _value(schema, raw, path):
    if isinstance(schema, avro.schema.UnionSchema):
        if raw is None:
            if any(s.type == "null" for s in schema.schemas):
                return None
            raise SpecError(f"setting '{path}': must not be null")
        branch = next(s for s in schema.schemas if s.type != "null")
        return _value(branch, raw, path)
    if raw is None:
        raise SpecError(f"setting '{path}': must not be null")
    kind = schema.type
    if kind == "record":
        if not isinstance(raw, dict):
            raise SpecError(f"setting '{path}': expected a map of settings, got {raw!r}")
        return _record(schema, raw, path + ".")
    if kind == "map":
        if not isinstance(raw, dict):
            raise SpecError(f"setting '{path}': expected a map, got {raw!r}")
        return {str(k): _value(schema.values, v, f"{path}.{k}") for k, v in raw.items()}
    if kind == "array":
        if not isinstance(raw, list):
            raise SpecError(f"setting '{path}': expected a list, got {raw!r}")
        return [_value(schema.items, item, path + "[]") for item in raw]
    if kind == "enum":
        symbol = str(raw).upper().replace("-", "_")
        if symbol not in schema.symbols:
            raise SpecError(f"setting '{path}': '{raw}' is not one of {list(schema.symbols)}")
        return symbol
    if kind == "string":
        return _as_string(raw)
    if kind in ("int", "long"):
        number = _whole_number(raw, path)
        bits = 31 if kind == "int" else 63
        if not -(1 << bits) <= number < (1 << bits):
            raise SpecError(f"setting '{path}': {number} does not fit a{'n' if kind == 'int' else ''} {kind}")
        return number
    if kind in ("float", "double"):
        try:
            number = float(raw)
        except (TypeError, ValueError):
            raise SpecError(f"setting '{path}': expected a number, got {raw!r}") from None
        if isinstance(raw, bool) or math.isnan(number):
            raise SpecError(f"setting '{path}': expected a number, got {raw!r}")
        return number
    if kind == "boolean":
        if isinstance(raw, bool):
            return raw
        if str(raw).lower() in ("true", "false"):
            return str(raw).lower() == "true"
        raise SpecError(f"setting '{path}': expected true or false, got {raw!r}")
    raise SpecError(f"setting '{path}': settings of type {kind} are not supported")


def _as_string(raw):
    """As Java's String.valueOf writes YAML scalars: true/false in lower case, 8 not 8.0 for whole ints."""
    if isinstance(raw, bool):
        return "true" if raw else "false"
    return str(raw)


def _whole_number(raw, path):
    if isinstance(raw, bool):
        raise SpecError(f"setting '{path}': expected a whole number, got {raw!r}")
    if isinstance(raw, int):
        return raw
    if isinstance(raw, float):
        if raw != math.floor(raw) or math.isinf(raw):
            raise SpecError(f"setting '{path}': expected a whole number, got {raw!r}")
        return int(raw)
    try:
        return int(str(raw).replace("_", ""))
    except ValueError:
        raise SpecError(f"setting '{path}': expected a whole number, got '{raw}'") from None
