package io.fedarch.events.wire;

import java.nio.ByteBuffer;
import java.time.Instant;
import java.util.Arrays;
import java.util.UUID;

import io.fedarch.events.DeadLetter;

/** Builds the dead-letter event for a message a service could not process. */
public final class DeadLetters {
    /** Original payloads larger than this are cut so the dead letter itself always fits on its topic. */
    public static final int PAYLOAD_LIMIT = 1 << 20;

    private DeadLetters() {
    }

    public static DeadLetter of(String service, String topic, int partition, long offset, String key,
                                byte[] payload, String jobId, Throwable error) {
        String reason = error.getMessage() == null ? error.getClass().getSimpleName() : error.getMessage();
        return of(service, topic, partition, offset, key, payload, jobId, reason, error.getClass().getSimpleName());
    }

    public static DeadLetter of(String service, String topic, int partition, long offset, String key,
                                byte[] payload, String jobId, String reason, String errorType) {
        byte[] body = payload == null ? new byte[0] : payload;
        boolean truncated = body.length > PAYLOAD_LIMIT;
        return DeadLetter.newBuilder()
                .setEventId(UUID.randomUUID().toString())
                .setJobId(jobId)
                .setTimestamp(Instant.now())
                .setService(service)
                .setSourceTopic(topic)
                .setSourcePartition(partition)
                .setSourceOffset(offset)
                .setKey(key)
                .setReason(reason)
                .setErrorType(errorType)
                .setPayload(ByteBuffer.wrap(truncated ? Arrays.copyOf(body, PAYLOAD_LIMIT) : body))
                .setPayloadSize(body.length)
                .setPayloadTruncated(truncated)
                .build();
    }
}
