"""Fetching a delivered model's files.

From the compacted topic fedarch.artifact-chunks (ArtifactChunk.avsc says how): the chunks of the delivery (the
ModelReady's eventId) are read from the job's partition, each file is reassembled from the newest publication of
it, and its chunks, size and SHA-256 are checked, then each file against what the ModelReady announces.
From the ModelReady's own paths, when they are files this machine can read (the filesystem store of a local
stack): copied and checked the same way. s3:// URIs need an S3 client and its key pair, which this package has not.
"""
import hashlib
import os
import shutil
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote, urlparse

from . import topics
from .consumers import partitions_of, read_to_end
from .errors import FetchError
from .partitioning import job_partition
from .wire import decode

PARTIAL_DIR = ".partial"


@dataclass(frozen=True)
class FetchedFile:
    name: str          # relative to the output directory, '/'-separated
    path: Path
    size: int
    sha256: str
    chunks: int        # how many chunks it came in (1 for a copied file)


def newest_model_ready(consumer, contract, job_id, scope="GLOBAL", client_id=None, macs_budget=None, timeout=600):
    """The job's newest ModelReady of the scope (and client or budget) on fedarch.models-ready."""
    newest = None
    for message in read_to_end(consumer, topics.MODELS_READY, partitions_of(consumer, topics.MODELS_READY), timeout):
        kind, event = decode(contract, message.value())
        if kind != "ModelReady" or event["jobId"] != job_id or event["scope"] != scope:
            continue
        if client_id is not None and event.get("clientId") != client_id:
            continue
        if macs_budget is not None and event.get("macsBudget") != macs_budget:
            continue
        if newest is None or event["timestamp"] >= newest["timestamp"]:
            newest = event
    if newest is None:
        raise FetchError(f"no {scope} ModelReady of job {job_id} on {topics.MODELS_READY}")
    return newest


def fetch_from_topic(consumer, contract, ready, output, timeout=600, log=None):
    """Writes the files of the ModelReady's delivery under output, verified; returns them."""
    output = Path(output)
    partial_dir = output / PARTIAL_DIR
    try:
        parts = _collect_chunks(consumer, contract, ready["jobId"], ready["eventId"], partial_dir, timeout, log)
        fetched = []
        for name, publications in parts.items():
            newest = max(publications.values(), key=lambda p: p["newest"])
            first = _verify(name, newest)
            target = output / name
            target.parent.mkdir(parents=True, exist_ok=True)
            os.replace(newest["path"], target)
            fetched.append(FetchedFile(name, target, first["size"], first["sha256"], first["count"]))
        _check_announced(ready, fetched)
        return fetched
    finally:
        shutil.rmtree(partial_dir, ignore_errors=True)


def fetch_from_paths(ready, output):
    """Copies the ModelReady's files (plain paths or file:// URIs this machine can read) under output, verified."""
    output = Path(output)
    base = _local_path(ready["artifactUri"])
    fetched = []
    for artifact in ready["files"]:
        source = _local_path(artifact["path"])
        try:
            name = safe_name(source.relative_to(base).as_posix())
        except ValueError:
            name = safe_name(source.name)
        target = output / name
        target.parent.mkdir(parents=True, exist_ok=True)
        try:
            shutil.copyfile(source, target)
        except OSError as e:
            raise FetchError(f"cannot copy {artifact['path']}: {e}") from e
        size, digest = target.stat().st_size, sha256_of(target)
        if (size, digest) != (artifact["sizeBytes"], artifact["sha256"]):
            target.unlink()
            raise FetchError(f"{artifact['path']} has {size} bytes and sha256 {digest}; the ModelReady announces "
                             f"{artifact['sizeBytes']} bytes and sha256 {artifact['sha256']}")
        fetched.append(FetchedFile(name, target, size, digest, 1))
    return fetched


def _local_path(location):
    if location.startswith("file:"):
        return Path(unquote(urlparse(location).path))
    if "://" in location:
        raise FetchError(f"{location} is not on this machine's file system; fetch the files from "
                         f"{topics.ARTIFACT_CHUNKS} instead (an s3:// location needs an S3 client and its key pair)")
    return Path(location)


def safe_name(name):
    """A name from the topic decides where files are written: it must stay under the output directory."""
    parts = name.split("/")
    if not name or name.startswith("/") or "\\" in name or any(p in ("", ".", "..") for p in parts):
        raise FetchError(f"refusing the unsafe file name {name!r}")
    return name


def sha256_of(path):
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for piece in iter(lambda: f.read(1 << 20), b""):
            digest.update(piece)
    return digest.hexdigest()


def _collect_chunks(consumer, contract, job_id, delivery_id, partial_dir, timeout, log):
    """Writes every chunk of the delivery at its offset into a partial file per (file, publication)."""
    partition = job_partition(job_id, len(partitions_of(consumer, topics.ARTIFACT_CHUNKS)))
    if log:
        log(f"reading partition {partition} of {topics.ARTIFACT_CHUNKS}")
    parts = {}  # fileName -> publicationId -> {"path", "chunks", "newest"}
    for message in read_to_end(consumer, topics.ARTIFACT_CHUNKS, [partition], timeout):
        kind, chunk = decode(contract, message.value())
        if kind != "ArtifactChunk":
            raise FetchError(f"offset {message.offset()} of {topics.ARTIFACT_CHUNKS} holds a {kind}")
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
        raise FetchError(f"no chunk of delivery {delivery_id} in partition {partition} of {topics.ARTIFACT_CHUNKS}")
    return parts


def _verify(name, part):
    """The publication's chunks must be complete, unique, consistent and digest to the stated SHA-256."""
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
    digest = sha256_of(part["path"])
    if digest != first["sha256"]:
        raise FetchError(f"SHA-256 of the reassembled {name} is {digest}, the chunks state {first['sha256']}")
    return first


def _check_announced(ready, fetched):
    """Every file the ModelReady announces must be among the fetched ones, by size and digest."""
    delivered = {(f.sha256, f.size) for f in fetched}
    for artifact in ready["files"]:
        if (artifact["sha256"], artifact["sizeBytes"]) not in delivered:
            raise FetchError(f"the ModelReady announces {artifact['path']} ({artifact['sizeBytes']} bytes, sha256 "
                             f"{artifact['sha256']}) but no delivered file has that size and digest")
