#!/usr/bin/env python3
"""Submit a fedarch job and wait for its model, as an outside system: nothing but the .avsc files.

Needs Debian's python3-avro and python3-confluent-kafka. Start a stack with `./fedarch up`, then:

    python3 examples/clients/submit_and_wait.py 127.0.0.1:PORT --rounds 3 --train-limit 6000
    python3 examples/clients/submit_and_wait.py 127.0.0.1:PORT --external-pacing   # this script starts each round

Wire format (see docs/architecture.md): Avro single-object encoding = C3 01, the 8-byte little-endian
CRC-64-AVRO fingerprint of the writer schema's Parsing Canonical Form, then the Avro binary body.
"""
import argparse
import io
import json
import re
import struct
import sys
import uuid
from datetime import datetime, timezone
from pathlib import Path

import avro.io
import avro.schema
from confluent_kafka import Consumer, Producer, TopicPartition

SCHEMA_DIR = Path(__file__).resolve().parents[2] / "schemas" / "src" / "main" / "avro"
# Shared types are referenced by name from the event files, so they are parsed first, in this order.
COMMON_ORDER = ["DType", "Tensor", "ModelState", "ModelSpec", "PartitionScheme", "PartitionSpec", "DataSpec",
                "RoundPacing", "AggregationRule", "RobustAggregation", "AttackKind", "SimulatedAttack", "AsyncAggregation",
                "JobSpec", "ClientMetrics", "RoundMetrics", "SearchStatus", "ModelScope", "Artifact", "SearchMask", "StrategyState"]
MARKER = b"\xc3\x01"
CRC64_EMPTY = 0xC15D213AA4D7A795
MASK64 = 0xFFFFFFFFFFFFFFFF
PRIMITIVE_OBJECT = re.compile(r'\{"type":"(null|boolean|int|long|float|double|bytes|string)"\}')


def _crc64_table():
    table = []
    for i in range(256):
        fp = i
        for _ in range(8):
            fp = (fp >> 1) ^ (CRC64_EMPTY if fp & 1 else 0)
        table.append(fp & MASK64)
    return table


CRC64_TABLE = _crc64_table()


def parsing_canonical_form(schema):
    # python3-avro 1.11 leaves logical-typed primitives as {"type":"long"}; the specification's
    # [PRIMITIVES] rule (and Java) write them as "long", which changes the fingerprint.
    return PRIMITIVE_OBJECT.sub(r'"\1"', schema.canonical_form)


def fingerprint(schema):
    """CRC-64-AVRO of the schema's Parsing Canonical Form, as the Avro specification defines it."""
    fp = CRC64_EMPTY
    for byte in parsing_canonical_form(schema).encode("utf-8"):
        fp = (fp >> 8) ^ CRC64_TABLE[(fp ^ byte) & 0xFF]
    return fp & MASK64


def load_event_schemas():
    names = avro.schema.Names()
    for name in COMMON_ORDER:
        avro.schema.make_avsc_object(json.loads((SCHEMA_DIR / "common" / f"{name}.avsc").read_text()), names)
    events = {}
    for path in sorted(SCHEMA_DIR.glob("*.avsc")):
        schema = avro.schema.make_avsc_object(json.loads(path.read_text()), names)
        events[schema.name] = schema
    return events


def with_defaults(schema, datum):
    """The datum with every missing record field set to its schema default (Python's avro writer applies none),
    so a client keeps working when the contract adds fields with defaults."""
    if isinstance(schema, avro.schema.UnionSchema) and isinstance(datum, dict):
        records = [s for s in schema.schemas if isinstance(s, avro.schema.RecordSchema)]
        return with_defaults(records[0], datum) if len(records) == 1 else datum
    if not isinstance(schema, avro.schema.RecordSchema) or not isinstance(datum, dict):
        return datum
    filled = dict(datum)
    for field in schema.fields:
        if field.name not in filled and field.has_default:
            filled[field.name] = field.default
        if field.name in filled:
            filled[field.name] = with_defaults(field.type, filled[field.name])
    return filled


def encode(schema, record):
    body = io.BytesIO()
    avro.io.DatumWriter(schema).write(with_defaults(schema, record), avro.io.BinaryEncoder(body))
    return MARKER + struct.pack("<Q", fingerprint(schema)) + body.getvalue()


def decode(by_fingerprint, payload):
    if payload[:2] != MARKER:
        raise ValueError("not an Avro single-object message")
    schema = by_fingerprint.get(struct.unpack("<Q", payload[2:10])[0])
    if schema is None:
        raise ValueError("unknown writer schema fingerprint")
    return schema.name, avro.io.DatumReader(schema).read(avro.io.BinaryDecoder(io.BytesIO(payload[10:])))


def job_spec(args):
    """The JobSpec fields this client sets; the others take their schema defaults (with_defaults)."""
    return {
        "name": "python-client", "algorithm": "fedavg",
        "model": {"family": "cnn", "options": {}},
        "data": {"dataset": "fashion-mnist", "dataDir": None,
                 "partition": {"scheme": "DIRICHLET", "dirichletAlpha": 0.5, "classesPerClient": 2,
                               "validationFraction": 0.1, "minSamplesPerClient": 10},
                 "trainLimit": args.train_limit, "testLimit": args.test_limit},
        "totalClients": args.clients, "clientsPerRound": args.clients, "rounds": args.rounds,
        "localEpochs": 1, "batchSize": 64, "learningRate": 0.05, "momentum": 0.9, "weightDecay": 0.0,
        "archLearningRate": 0.0003, "seed": 7, "roundDeadlineMs": 600000, "quorum": 0,
        "pacing": "EXTERNAL" if args.external_pacing else "AUTOMATIC", "tensorDType": "FP32", "hyperParameters": {},
    }


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("bootstrap")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--clients", type=int, default=4)
    parser.add_argument("--train-limit", type=int, default=6000)
    parser.add_argument("--test-limit", type=int, default=2000)
    parser.add_argument("--timeout", type=float, default=900)
    parser.add_argument("--external-pacing", action="store_true",
                        help="the job waits for a RoundStartRequested before each round; this script sends them")
    args = parser.parse_args()

    events = load_event_schemas()
    by_fingerprint = {fingerprint(s): s for s in events.values()}

    consumer = Consumer({"bootstrap.servers": args.bootstrap, "group.id": "python-client-" + uuid.uuid4().hex,
                         "enable.auto.commit": False, "fetch.max.bytes": 64 << 20,
                         "max.partition.fetch.bytes": 64 << 20, "receive.message.max.bytes": (64 << 20) + 65536})
    partitions = []
    for topic in ("fedarch.global-models", "fedarch.models-ready", "fedarch.search-completions",
                  "fedarch.dead-letters"):
        metadata = consumer.list_topics(topic, timeout=10).topics[topic]
        for p in metadata.partitions:
            _, high = consumer.get_watermark_offsets(TopicPartition(topic, p), timeout=10)
            partitions.append(TopicPartition(topic, p, high))
    consumer.assign(partitions)  # from the current end: only this job's events

    job_id = "py-" + uuid.uuid4().hex
    submitted = {"eventId": str(uuid.uuid4()), "jobId": job_id, "timestamp": datetime.now(timezone.utc),
                 "spec": job_spec(args)}
    producer = Producer({"bootstrap.servers": args.bootstrap})
    producer.produce("fedarch.jobs", key=job_id, value=encode(events["JobSubmitted"], submitted))
    producer.flush(10)
    print(f"submitted {job_id}")

    def start_round(number):
        request = {"eventId": str(uuid.uuid4()), "jobId": job_id, "timestamp": datetime.now(timezone.utc),
                   "round": number, "requestedBy": "submit_and_wait.py"}
        producer.produce("fedarch.round-starts", key=job_id, value=encode(events["RoundStartRequested"], request))
        producer.flush(10)
        print(f"requested round {number}")

    if args.external_pacing:
        start_round(1)

    deadline = datetime.now().timestamp() + args.timeout
    while datetime.now().timestamp() < deadline:
        message = consumer.poll(1.0)
        if message is None or message.error():
            continue
        kind, event = decode(by_fingerprint, message.value())
        if event.get("jobId") != job_id:
            continue
        if kind == "GlobalModel":
            m = event["metrics"]
            print(f"round {event['round']}/{event['totalRounds']}: {m['clientsReported']}/{m['clientsSelected']} "
                  f"clients, global val acc {m['globalValidationAccuracy']:.4f}, {m['roundMs']} ms")
            if args.external_pacing and event["round"] < event["totalRounds"]:
                start_round(event["round"] + 1)
        elif kind == "SearchCompleted" and event["status"] == "FAILED":
            print(f"search failed: {event['reason']}")
            return 1
        elif kind == "DeadLetter":
            print(f"dead letter: {event['reason']}")
        elif kind == "ModelReady":
            # CLIENT (a personalized model) and BUDGET (SuperFedNAS: one per MACs budget) models come
            # before the job's GLOBAL one, which is its last.
            scope = event["scope"]
            which = {"CLIENT": f" of client {event.get('clientId')}",
                     "BUDGET": f" for the {event.get('macsBudget')}-MACs budget"}.get(scope, "")
            print(f"model ready ({scope.lower()}{which}): test accuracy {event['testAccuracy']:.4f} on "
                  f"{event['testSamples']} images, {event['parameterCount']} parameters, {event['macs']} MACs")
            for artifact in event["files"]:
                print(f"  {artifact['path']} ({artifact['sizeBytes']} bytes, sha256 {artifact['sha256'][:12]}...)")
            if scope == "GLOBAL":
                return 0
    print("timed out")
    return 1


if __name__ == "__main__":
    sys.exit(main())
