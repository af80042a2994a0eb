"""The event contract: the .avsc files of schemas/src/main/avro, parsed with python3-avro.

Event files refer to the shared types of common/ by name, so those are parsed first, each after the types it uses
(found from the files themselves, so a type added to the contract needs no change here).
"""
import json
import os
from pathlib import Path

import avro.errors
import avro.schema

from .errors import SchemaError
from .fingerprints import fingerprint

PRIMITIVES = {"null", "boolean", "int", "long", "float", "double", "bytes", "string"}
SCHEMA_DIR_VARIABLE = "FEDARCH_SCHEMA_DIR"


def default_schema_dir():
    """$FEDARCH_SCHEMA_DIR, else the contract of the repository this package sits in (clients/python/fedarch_client)."""
    configured = os.environ.get(SCHEMA_DIR_VARIABLE)
    if configured:
        return Path(configured)
    return Path(__file__).resolve().parents[3] / "schemas" / "src" / "main" / "avro"


class Contract:
    """Every event schema of the contract, by record name and by fingerprint."""

    def __init__(self, schema_dir=None):
        self.schema_dir = Path(schema_dir) if schema_dir else default_schema_dir()
        if not (self.schema_dir / "common").is_dir():
            raise SchemaError(f"no fedarch contract (.avsc files with a common/ folder) in {self.schema_dir}; "
                              f"pass schema_dir or set {SCHEMA_DIR_VARIABLE}")
        names = avro.schema.Names()
        for path in _dependency_order(sorted((self.schema_dir / "common").glob("*.avsc"))):
            _parse(path, names)
        self.by_name = {}
        for path in sorted(self.schema_dir.glob("*.avsc")):
            schema = _parse(path, names)
            self.by_name[schema.name] = schema
        self.by_fingerprint = {fingerprint(s): s for s in self.by_name.values()}

    def schema(self, name):
        try:
            return self.by_name[name]
        except KeyError:
            raise SchemaError(f"no event schema {name!r} in {self.schema_dir}; "
                              f"known: {', '.join(sorted(self.by_name))}") from None


def _parse(path, names):
    try:
        return avro.schema.make_avsc_object(json.loads(path.read_text(encoding="utf-8")), names)
    except (ValueError, avro.errors.AvroException) as e:
        raise SchemaError(f"cannot parse {path}: {e}") from e


def _dependency_order(paths):
    """The files ordered so that each comes after the files defining the named types it refers to."""
    defines, uses = {}, {}
    for path in paths:
        document = json.loads(path.read_text(encoding="utf-8"))
        defined, used = set(), set()
        _walk(document, document.get("namespace", ""), defined, used)
        defines[path], uses[path] = defined, used - defined
    owner = {name: path for path, names in defines.items() for name in names}
    ordered, done, visiting = [], set(), set()

    def visit(path):
        if path in done:
            return
        if path in visiting:
            raise SchemaError(f"the shared types refer to each other in a cycle through {path.name}")
        visiting.add(path)
        for name in sorted(uses[path]):
            if name not in owner:
                raise SchemaError(f"{path.name} refers to {name}, which no file of {path.parent} defines")
            visit(owner[name])
        visiting.discard(path)
        done.add(path)
        ordered.append(path)

    for path in paths:
        visit(path)
    return ordered


def _full(name, namespace):
    return name if "." in name or not namespace else f"{namespace}.{name}"


def _walk(node, namespace, defined, used):
    """Collects the full names a schema document defines and those it refers to."""
    if isinstance(node, str):
        if node not in PRIMITIVES:
            used.add(_full(node, namespace))
    elif isinstance(node, list):
        for branch in node:
            _walk(branch, namespace, defined, used)
    elif isinstance(node, dict):
        kind = node.get("type")
        if kind in ("record", "error", "enum", "fixed"):
            namespace = node.get("namespace", namespace) if "." not in node["name"] else node["name"].rsplit(".", 1)[0]
            defined.add(_full(node["name"], namespace))
            for field in node.get("fields", []):
                _walk(field["type"], namespace, defined, used)
        elif kind == "array":
            _walk(node["items"], namespace, defined, used)
        elif kind == "map":
            _walk(node["values"], namespace, defined, used)
        else:
            _walk(kind, namespace, defined, used)
