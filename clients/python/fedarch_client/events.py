"""An event a client received: its schema name, its fields, and where it was read."""
from dataclasses import dataclass


@dataclass(frozen=True)
class Event:
    kind: str          # the record name of the writer schema, e.g. "GlobalModel"
    fields: dict       # the datum, keyed by the .avsc field names
    topic: str
    partition: int
    offset: int

    @property
    def job_id(self):
        return self.fields.get("jobId")

    def __getitem__(self, name):
        return self.fields[name]

    def get(self, name, default=None):
        return self.fields.get(name, default)
