#!/usr/bin/env python3
"""Fetch a delivered model's files from Kafka alone, as an outside system: nothing but the broker and the .avsc files.

Needs Debian's python3-avro and python3-confluent-kafka. Given a job id, it reads the job's newest ModelReady
from fedarch.models-ready (of the scope asked for), reassembles every file of that delivery from the chunks on
fedarch.artifact-chunks (ArtifactChunk.avsc says how), verifies their sizes and SHA-256 digests against the
chunks and against the ModelReady, and writes them under the output directory:

    python3 examples/clients/fetch_model.py 127.0.0.1:PORT JOB_ID ./model
    python3 examples/clients/fetch_model.py 127.0.0.1:PORT JOB_ID ./model --scope CLIENT --client-id 3

Exit status 0 when every file is complete and verified; 1 with the reason on stderr otherwise.
"""
import argparse
import hashlib
import os
import shutil
import sys
import time
import uuid
from pathlib import Path

from confluent_kafka import OFFSET_BEGINNING, Consumer, KafkaError, TopicPartition

# The decoding of single-object Avro from the .avsc files (with python3-avro 1.11's fingerprint fix) lives in
# the sibling example; Python puts this script's folder on the import path.
from submit_and_wait import decode, fingerprint, load_event_schemas

MODELS_READY = "fedarch.models-ready"
ARTIFACT_CHUNKS = "fedarch.artifact-chunks"


class FetchError(Exception):
    """The delivery cannot be fetched completely and correctly; the message says why."""


def murmur2(data):
    """Kafka's murmur2 (what its default partitioner hashes keys with), on unsigned 32-bit values."""
    m, r, mask = 0x5BD1E995, 24, 0xFFFFFFFF
    length = len(data)
    h = (0x9747B28C ^ length) & mask
    for i in range(0, length - length % 4, 4):
        k = data[i] | (data[i + 1] << 8) | (data[i + 2] << 16) | (data[i + 3] << 24)
        k = (k * m) & mask
        k ^= k >> r
        k = (k * m) & mask
        h = ((h * m) & mask) ^ k
    tail, rest = length - length % 4, length % 4
    if rest == 3:
        h ^= data[tail + 2] << 16
    if rest >= 2:
        h ^= data[tail + 1] << 8
    if rest >= 1:
        h ^= data[tail]
        h = (h * m) & mask
    h ^= h >> 13
    h = (h * m) & mask
    h ^= h >> 15
    return h


def job_partition(job_id, partitions):
    """ArtifactChunk.avsc: (murmur2(UTF-8 jobId) & 0x7fffffff) mod the partition count."""
    return (murmur2(job_id.encode("utf-8")) & 0x7FFFFFFF) % partitions


def read_partitions(consumer, topic, partitions, timeout):
    """Yields every message of the partitions from their beginning to their end as of now."""
    pending = {}
    for p in partitions:
        low, high = consumer.get_watermark_offsets(TopicPartition(topic, p), timeout=10)
        if high > low:
            pending[p] = high
    if not pending:
        return
    consumer.assign([TopicPartition(topic, p, OFFSET_BEGINNING) for p in pending])
    deadline = time.monotonic() + timeout
    while pending:
        if time.monotonic() > deadline:
            raise FetchError(f"{topic} not read to its end within {timeout} s")
        message = consumer.poll(1.0)
        if message is None:
            continue
        if message.error():
            if message.error().code() == KafkaError._PARTITION_EOF:
                pending.pop(message.partition(), None)
                continue
            raise FetchError(f"reading {topic}: {message.error()}")
        yield message
        if message.offset() >= pending.get(message.partition(), 0) - 1:
            pending.pop(message.partition(), None)
    consumer.unassign()


def find_model_ready(consumer, by_fingerprint, args):
    partitions = consumer.list_topics(MODELS_READY, timeout=10).topics[MODELS_READY].partitions
    newest = None
    for message in read_partitions(consumer, MODELS_READY, list(partitions), args.timeout):
        kind, event = decode(by_fingerprint, message.value())
        if kind != "ModelReady" or event["jobId"] != args.job_id or event["scope"] != args.scope:
            continue
        if args.client_id is not None and event.get("clientId") != args.client_id:
            continue
        if args.macs_budget is not None and event.get("macsBudget") != args.macs_budget:
            continue
        if newest is None or event["timestamp"] >= newest["timestamp"]:
            newest = event
    if newest is None:
        raise FetchError(f"no {args.scope} ModelReady of job {args.job_id} on {MODELS_READY}")
    return newest


def safe_name(name):
    """A name from the topic decides where this script writes: it must stay under the output directory."""
    parts = name.split("/")
    if not name or name.startswith("/") or "\\" in name or any(p in ("", ".", "..") for p in parts):
        raise FetchError(f"refusing the unsafe file name {name!r}")
    return name


def collect_chunks(consumer, by_fingerprint, job_id, delivery_id, partial_dir, timeout):
    """Writes every chunk of the delivery at its offset into a partial file per (file, publication)."""
    partitions = len(consumer.list_topics(ARTIFACT_CHUNKS, timeout=10).topics[ARTIFACT_CHUNKS].partitions)
    partition = job_partition(job_id, partitions)
    print(f"reading partition {partition} of {ARTIFACT_CHUNKS}")
    parts = {}  # fileName -> publicationId -> {"path", "chunks", "newest"}
    for message in read_partitions(consumer, ARTIFACT_CHUNKS, [partition], timeout):
        kind, chunk = decode(by_fingerprint, message.value())
        if kind != "ArtifactChunk":
            raise FetchError(f"offset {message.offset()} of {ARTIFACT_CHUNKS} holds a {kind}")
        if chunk["deliveryId"] != delivery_id:
            continue
        name = safe_name(chunk["fileName"])
        part = parts.setdefault(name, {}).setdefault(chunk["publicationId"], {
            "path": partial_dir / chunk["publicationId"] / name, "chunks": [], "newest": -1})
        if chunk["offsetBytes"] < 0:
            raise FetchError(f"chunk {chunk['chunkIndex']} of {name} has a negative offset")
        part["path"].parent.mkdir(parents=True, exist_ok=True)
        with open(part["path"], "r+b" if part["path"].exists() else "wb") as out:
            out.seek(chunk["offsetBytes"])
            out.write(chunk["data"])
        part["chunks"].append({"index": chunk["chunkIndex"], "count": chunk["chunkCount"],
                               "offset": chunk["offsetBytes"], "length": len(chunk["data"]),
                               "size": chunk["fileSizeBytes"], "sha256": chunk["fileSha256"],
                               "mediaType": chunk["mediaType"], "record": message.offset()})
        part["newest"] = max(part["newest"], message.offset())
    if not parts:
        raise FetchError(f"no chunk of delivery {delivery_id} in partition {partition} of {ARTIFACT_CHUNKS}")
    return parts


def verify(name, part):
    """The newest publication's chunks must be complete, unique, consistent and digest to the stated SHA-256."""
    chunks = part["chunks"]
    first = chunks[0]
    for c in chunks:
        if any(c[k] != first[k] for k in ("count", "size", "sha256", "mediaType")):
            raise FetchError(f"inconsistent chunks of {name}: chunk {first['index']} and chunk {c['index']} disagree "
                             f"about chunkCount, fileSizeBytes, fileSha256 or mediaType")
        if not 0 <= c["index"] < c["count"]:
            raise FetchError(f"chunk index {c['index']} of {name} is outside 0..{c['count'] - 1}")
    by_index = {}
    for c in chunks:
        if c["index"] in by_index:
            raise FetchError(f"chunk {c['index']} of {name} is duplicated: records at offsets "
                             f"{by_index[c['index']]['record']} and {c['record']}")
        by_index[c["index"]] = c
    missing = [i for i in range(first["count"]) if i not in by_index]
    if missing:
        raise FetchError(f"chunks {missing} of {name} are missing ({len(by_index)} of {first['count']} present)")
    expected = 0
    for i in range(first["count"]):
        if by_index[i]["offset"] != expected:
            raise FetchError(f"chunk {i} of {name} starts at byte {by_index[i]['offset']} "
                             f"but the chunks before it end at {expected}")
        expected += by_index[i]["length"]
    if expected != first["size"]:
        raise FetchError(f"the chunks of {name} hold {expected} bytes but the file has {first['size']}")
    digest = hashlib.sha256()
    with open(part["path"], "rb") as f:
        for piece in iter(lambda: f.read(1 << 20), b""):
            digest.update(piece)
    if digest.hexdigest() != first["sha256"]:
        raise FetchError(f"SHA-256 of the reassembled {name} is {digest.hexdigest()}, the chunks state {first['sha256']}")
    return first


def fetch(args):
    events = load_event_schemas()
    by_fingerprint = {fingerprint(s): s for s in events.values()}
    consumer = Consumer({"bootstrap.servers": args.bootstrap, "group.id": "fedarch-client-fetch-" + uuid.uuid4().hex,
                         "enable.auto.commit": False, "enable.partition.eof": True,
                         "fetch.max.bytes": 64 << 20, "max.partition.fetch.bytes": 64 << 20,
                         "receive.message.max.bytes": (64 << 20) + 65536})
    output = Path(args.output)
    partial_dir = output / ".partial"
    try:
        ready = find_model_ready(consumer, by_fingerprint, args)
        print(f"ModelReady {ready['eventId']} of job {args.job_id} ({ready['scope']}): {len(ready['files'])} files")
        parts = collect_chunks(consumer, by_fingerprint, args.job_id, ready["eventId"], partial_dir, args.timeout)
        fetched = {}
        for name, publications in parts.items():
            newest = max(publications.values(), key=lambda p: p["newest"])
            first = verify(name, newest)
            target = output / name
            target.parent.mkdir(parents=True, exist_ok=True)
            os.replace(newest["path"], target)
            fetched[(first["sha256"], first["size"])] = name
            print(f"  {name}: {first['size']} bytes in {first['count']} chunks, sha256 {first['sha256']} verified")
        for artifact in ready["files"]:
            if (artifact["sha256"], artifact["sizeBytes"]) not in fetched:
                raise FetchError(f"the ModelReady announces {artifact['path']} ({artifact['sizeBytes']} bytes, sha256 "
                                 f"{artifact['sha256']}) but no delivered file has that size and digest")
    finally:
        consumer.close()
        shutil.rmtree(partial_dir, ignore_errors=True)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("bootstrap")
    parser.add_argument("job_id")
    parser.add_argument("output")
    parser.add_argument("--scope", choices=["GLOBAL", "CLIENT", "BUDGET"], default="GLOBAL")
    parser.add_argument("--client-id", type=int, help="for --scope CLIENT: whose model")
    parser.add_argument("--macs-budget", type=int, help="for --scope BUDGET: which budget's model")
    parser.add_argument("--timeout", type=float, default=600, help="seconds to read each topic to its end")
    args = parser.parse_args()
    try:
        fetch(args)
    except FetchError as e:
        print(f"fetch_model.py: error: {e}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
