"""FedarchClient: submit jobs, follow them, fetch their models, with nothing but a broker address and the contract."""
import uuid
from datetime import datetime, timezone
from pathlib import Path

from confluent_kafka import KafkaException, Producer

from . import topics
from .artifacts import fetch_from_paths, fetch_from_topic, newest_model_ready
from .consumers import assign_from_beginning, assign_from_end, new_consumer
from .errors import FedarchError
from .job import Job
from .jobspec import build_job_spec, read_job_file
from .schemas import Contract
from .wire import encode

FLUSH_TIMEOUT_S = 30


class FedarchClient:
    def __init__(self, bootstrap, schema_dir=None, client_name="fedarch_client"):
        self.bootstrap = bootstrap
        self.contract = Contract(schema_dir)
        self.client_name = client_name
        self._producer = None

    def job_spec(self, spec):
        """The full, checked JobSpec datum of a dict of settings or of a YAML job file's path."""
        if isinstance(spec, (str, Path)):
            spec = read_job_file(spec)
        return build_job_spec(self.contract, spec)

    def submit(self, spec, job_id=None, on_round_closed=None):
        """Publishes a JobSubmitted and returns the Job to follow; it reads the outcome topics from where they stood
        before the submission, so none of the job's events is missed. spec: a dict or a YAML job file's path."""
        datum = self.job_spec(spec)
        job_id = job_id or "py-" + uuid.uuid4().hex
        consumer = new_consumer(self.bootstrap, "job")
        try:
            assign_from_end(consumer, topics.JOB_OUTCOMES)
            self._send(topics.JOBS, job_id, "JobSubmitted", {
                "eventId": str(uuid.uuid4()), "jobId": job_id, "timestamp": _now(), "spec": datum})
        except BaseException:
            consumer.close()
            raise
        return Job(job_id, consumer, self.contract, on_round_closed)

    def follow(self, job_id):
        """The Job of an earlier submission, its events read from the topics' beginning."""
        consumer = new_consumer(self.bootstrap, "follow")
        try:
            assign_from_beginning(consumer, topics.JOB_OUTCOMES)
        except BaseException:
            consumer.close()
            raise
        return Job(job_id, consumer, self.contract)

    def start_round(self, job_id, number=None):
        """For a job with pacing EXTERNAL: requests its next round (number: the round meant, or None)."""
        self._send(topics.ROUND_STARTS, job_id, "RoundStartRequested", {
            "eventId": str(uuid.uuid4()), "jobId": job_id, "timestamp": _now(), "round": number,
            "requestedBy": self.client_name})

    def model_ready(self, job_id, scope="GLOBAL", client_id=None, macs_budget=None, timeout=600):
        """The job's newest ModelReady of the scope (and client or budget) on fedarch.models-ready."""
        consumer = new_consumer(self.bootstrap, "model-ready")
        try:
            return newest_model_ready(consumer, self.contract, job_id, scope, client_id, macs_budget, timeout)
        finally:
            consumer.close()

    def fetch_model(self, ready, output, source="topic", timeout=600, log=None):
        """Writes the files a ModelReady announces under output, each checked for size and SHA-256, and returns
        them (FetchedFile). source: "topic" (fedarch.artifact-chunks) or "paths" (its local files)."""
        if source == "paths":
            return fetch_from_paths(ready, output)
        if source != "topic":
            raise FedarchError(f"unknown source {source!r}: expected 'topic' or 'paths'")
        consumer = new_consumer(self.bootstrap, "fetch")
        try:
            return fetch_from_topic(consumer, self.contract, ready, output, timeout, log)
        finally:
            consumer.close()

    def close(self):
        if self._producer is not None:
            self._producer.flush(FLUSH_TIMEOUT_S)
            self._producer = None

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def _send(self, topic, key, schema_name, datum):
        value = encode(self.contract.schema(schema_name), datum)
        if self._producer is None:
            self._producer = Producer({"bootstrap.servers": self.bootstrap, "enable.idempotence": True,
                                       "message.max.bytes": 64 << 20})
        failures = []
        try:
            self._producer.produce(topic, key=key, value=value,
                                   on_delivery=lambda err, _msg: err and failures.append(err))
        except (KafkaException, BufferError) as e:
            raise FedarchError(f"cannot publish to {topic}: {e}") from e
        if self._producer.flush(FLUSH_TIMEOUT_S) > 0:
            raise FedarchError(f"{topic}: the broker at {self.bootstrap} did not take the {schema_name} "
                               f"within {FLUSH_TIMEOUT_S} s")
        if failures:
            raise FedarchError(f"{topic}: the broker refused the {schema_name}: {failures[0]}")


def _now():
    return datetime.now(timezone.utc)
