"""Kafka consumers as a client needs them: sized for model-carrying events, never committing, and two ways to
read: a topic's partitions from their beginning to their current end, or from the current end on."""
import time
import uuid

from confluent_kafka import OFFSET_BEGINNING, Consumer, KafkaError, KafkaException, TopicPartition

from .errors import FedarchError, WaitTimeout

# The stack's message limit (LocalStack.MAX_MESSAGE_BYTES): a GlobalModel carries the whole model.
MAX_MESSAGE_BYTES = 64 << 20
METADATA_TIMEOUT_S = 10


def new_consumer(bootstrap, purpose, **extra):
    """A consumer of its own group (it assigns partitions itself and commits nothing)."""
    config = {"bootstrap.servers": bootstrap, "group.id": f"fedarch-client-{purpose}-{uuid.uuid4().hex}",
              "enable.auto.commit": False, "enable.partition.eof": True,
              "fetch.max.bytes": MAX_MESSAGE_BYTES, "max.partition.fetch.bytes": MAX_MESSAGE_BYTES,
              "receive.message.max.bytes": MAX_MESSAGE_BYTES + 65536}
    config.update(extra)
    return Consumer(config)


def partitions_of(consumer, topic):
    """The partition numbers of a topic; FedarchError if the broker does not have it."""
    try:
        metadata = consumer.list_topics(topic, timeout=METADATA_TIMEOUT_S).topics.get(topic)
    except KafkaException as e:
        raise FedarchError(f"cannot reach the broker for {topic}: {e}") from e
    if metadata is None or metadata.error is not None or not metadata.partitions:
        raise FedarchError(f"the broker has no topic {topic}")
    return sorted(metadata.partitions)


def read_to_end(consumer, topic, partitions, timeout):
    """Yields every message of the partitions from their beginning to their end as of now."""
    pending = {}
    for p in partitions:
        low, high = _watermarks(consumer, topic, p)
        if high > low:
            pending[p] = high
    if not pending:
        return
    consumer.assign([TopicPartition(topic, p, OFFSET_BEGINNING) for p in pending])
    deadline = time.monotonic() + timeout
    try:
        while pending:
            if time.monotonic() > deadline:
                raise WaitTimeout(f"{topic} not read to its end within {timeout} s")
            message = consumer.poll(1.0)
            if message is None:
                continue
            if message.error():
                if message.error().code() == KafkaError._PARTITION_EOF:
                    pending.pop(message.partition(), None)
                    continue
                raise FedarchError(f"reading {topic}: {message.error()}")
            yield message
            if message.offset() >= pending.get(message.partition(), 0) - 1:
                pending.pop(message.partition(), None)
    finally:
        consumer.unassign()


def assign_from_end(consumer, topics):
    """Assigns every partition of the topics at its current end: what is published from now on is read."""
    assignment = []
    for topic in topics:
        for p in partitions_of(consumer, topic):
            _, high = _watermarks(consumer, topic, p)
            assignment.append(TopicPartition(topic, p, high))
    consumer.assign(assignment)


def assign_from_beginning(consumer, topics):
    """Assigns every partition of the topics at its beginning: a job's whole history is read."""
    consumer.assign([TopicPartition(topic, p, OFFSET_BEGINNING) for topic in topics
                     for p in partitions_of(consumer, topic)])


def _watermarks(consumer, topic, partition):
    try:
        return consumer.get_watermark_offsets(TopicPartition(topic, partition), timeout=METADATA_TIMEOUT_S)
    except KafkaException as e:
        raise FedarchError(f"cannot read the offsets of {topic} partition {partition}: {e}") from e
