"""Following one job: its events as they arrive, its rounds, its end and its models.

A Job reads the outcome topics from where they stood before the job was submitted (or from their beginning for a
job submitted earlier), keeps every event of the job it has read, and lets each question (rounds, model-ready)
look through all of them: asking for the rounds first and the model next misses nothing.
"""
import time

from . import topics
from .errors import JobFailed, WaitTimeout, WireError
from .events import Event
from .wire import decode

# After SearchCompleted, a round's GlobalModel (another topic) may still be on its way to this consumer.
LAST_ROUND_GRACE_S = 5.0


class Job:
    def __init__(self, job_id, consumer, contract, on_round_closed=None):
        self.job_id = job_id
        self.history = []
        self.skipped = []  # (topic, offset, reason) of records that are not decodable events
        self._consumer = consumer
        self._contract = contract
        self._on_round_closed = on_round_closed

    def events(self, timeout=900):
        """Every event of the job, in the order read, from the first on; WaitTimeout after timeout seconds."""
        deadline = time.monotonic() + timeout
        index = 0
        while True:
            while index < len(self.history):
                index += 1
                yield self.history[index - 1]
            if not self._poll(deadline):
                raise WaitTimeout(f"job {self.job_id}: nothing more within {timeout} s "
                                  f"({len(self.history)} events so far)")

    def rounds(self, timeout=900):
        """The job's GlobalModel events (one per closed round) as they arrive, until the search has completed.
        JobFailed if it failed or its submission was dead-lettered."""
        completed_at = None
        last_round = None
        for event in self._events_until(timeout, lambda: completed_at):
            if event.kind == "GlobalModel":
                last_round = event
                if self._on_round_closed:
                    self._on_round_closed(event)
                yield event
                if completed_at is not None and event["round"] >= event["totalRounds"]:
                    return
            elif event.kind == "SearchCompleted":
                _raise_if_failed(self.job_id, event)
                if last_round is not None and last_round["round"] >= last_round["totalRounds"]:
                    return
                completed_at = time.monotonic()
            elif event.kind == "DeadLetter":
                _raise_if_rejected(self.job_id, event)

    def wait_for_model(self, scope="GLOBAL", client_id=None, macs_budget=None, timeout=900):
        """The job's first ModelReady of the scope (and client or budget); JobFailed if the job failed."""
        for event in self.events(timeout):
            if event.kind == "SearchCompleted":
                _raise_if_failed(self.job_id, event)
            elif event.kind == "DeadLetter":
                _raise_if_rejected(self.job_id, event)
            elif event.kind == "ModelReady" and event["scope"] == scope \
                    and (client_id is None or event.get("clientId") == client_id) \
                    and (macs_budget is None or event.get("macsBudget") == macs_budget):
                return event
        raise AssertionError("unreachable: events() ends only by raising")

    def close(self):
        self._consumer.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def _events_until(self, timeout, completed_at):
        """events(), ending LAST_ROUND_GRACE_S after completed_at() turns non-None and nothing more came."""
        deadline = time.monotonic() + timeout
        index = 0
        while True:
            while index < len(self.history):
                index += 1
                yield self.history[index - 1]
            done = completed_at()
            if done is not None and time.monotonic() > done + LAST_ROUND_GRACE_S:
                return
            if not self._poll(deadline, return_when_idle=done is not None) and done is None:
                raise WaitTimeout(f"job {self.job_id}: its rounds did not end within {timeout} s")

    def _poll(self, deadline, return_when_idle=False):
        """Reads until one more event of the job is in history (True), the deadline passed (False), or, when asked,
        a poll found nothing (False)."""
        while time.monotonic() < deadline:
            message = self._consumer.poll(min(1.0, max(0.05, deadline - time.monotonic())))
            if message is None:
                if return_when_idle:
                    return False
                continue
            if message.error():
                continue  # partition EOF and transient broker errors; librdkafka retries by itself
            try:
                kind, fields = decode(self._contract, message.value())
            except WireError as e:
                self.skipped.append((message.topic(), message.offset(), str(e)))
                continue
            if fields.get("jobId") == self.job_id or (kind == "DeadLetter" and fields.get("key") == self.job_id):
                self.history.append(Event(kind, fields, message.topic(), message.partition(), message.offset()))
                return True
        return False


def _raise_if_failed(job_id, event):
    if event["status"] == "FAILED":
        raise JobFailed(f"job {job_id} failed: {event.get('reason')}")


def _raise_if_rejected(job_id, event):
    if event["sourceTopic"] == topics.JOBS:
        raise JobFailed(f"job {job_id} was rejected by {event['service']}: {event['reason']}")
