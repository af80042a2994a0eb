"""The errors of the client: each says what went wrong in words a user can act on."""


class FedarchError(Exception):
    """Base of every error this package raises on purpose."""


class SchemaError(FedarchError):
    """The .avsc contract cannot be found or parsed."""


class SpecError(FedarchError):
    """A job specification does not fit JobSpec.avsc; the message names the offending setting."""


class WireError(FedarchError):
    """Bytes on a topic are not a single-object Avro message of a known fedarch schema, or a datum cannot be encoded."""


class FetchError(FedarchError):
    """A delivered model cannot be fetched completely and correctly."""


class JobFailed(FedarchError):
    """The job ended with SearchCompleted FAILED, or its submission was dead-lettered."""


class WaitTimeout(FedarchError):
    """What was awaited did not arrive in time."""
