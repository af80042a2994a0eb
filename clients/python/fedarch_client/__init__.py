"""fedarch_client: a Python client of fedarch over Kafka, with nothing but the broker and the .avsc contract.

    from fedarch_client import FedarchClient
    client = FedarchClient("127.0.0.1:9092")
    job = client.submit("examples/tiny-smoke.yaml")
    for round_closed in job.rounds():
        print(round_closed["round"], round_closed["metrics"]["globalValidationAccuracy"])
    ready = job.wait_for_model()
    files = client.fetch_model(ready, "./model")
"""
from .artifacts import FetchedFile
from .client import FedarchClient
from .errors import FedarchError, FetchError, JobFailed, SchemaError, SpecError, WaitTimeout, WireError
from .events import Event
from .fingerprints import fingerprint, parsing_canonical_form
from .job import Job
from .schemas import Contract

__all__ = ["FedarchClient", "Job", "Event", "FetchedFile", "Contract", "fingerprint", "parsing_canonical_form",
           "FedarchError", "FetchError", "JobFailed", "SchemaError", "SpecError", "WaitTimeout", "WireError"]
