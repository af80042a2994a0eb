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

    /** Reasons quote input (job ids, names): cut, and kept on one line, so a message cannot flood or forge log lines. */
    public static final int REASON_LIMIT = 4096;

    private DeadLetters() {
    }

    /** The reason as stored and logged: control characters replaced, at most {@link #REASON_LIMIT} characters. */
    public static String boundedReason(String reason) {
        String text = reason == null ? "" : reason;
        boolean cut = text.length() > REASON_LIMIT;
        StringBuilder out = new StringBuilder(Math.min(text.length(), REASON_LIMIT) + 16);
        for (int i = 0; i < Math.min(text.length(), REASON_LIMIT); i++) {
            char c = text.charAt(i);
            out.append(Character.isISOControl(c) ? ' ' : c);
        }
        return cut ? out.append(" …(cut)").toString() : out.toString();
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
                .setReason(boundedReason(reason))
                .setErrorType(errorType)
                .setPayload(ByteBuffer.wrap(truncated ? Arrays.copyOf(body, PAYLOAD_LIMIT) : body))
                .setPayloadSize(body.length)
                .setPayloadTruncated(truncated)
                .build();
    }
}
