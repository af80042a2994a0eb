package io.fedarch.events.wire;

import java.util.function.Consumer;

import org.apache.avro.Schema;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.fedarch.events.DeadLetter;

/**
 * Runs a service's handler on one consumed record and turns every failure (undecodable bytes,
 * an event the service rejects, a bug) into a dead letter that keeps the original bytes and
 * says why, so one bad message never stops a consumer and nothing disappears silently.
 */
public final class DeadLetterGuard {
    private static final Logger LOG = LoggerFactory.getLogger(DeadLetterGuard.class);

    private final String service;
    private final Consumer<DeadLetter> deadLetters;

    public DeadLetterGuard(String service, Consumer<DeadLetter> deadLetters) {
        this.service = service;
        this.deadLetters = deadLetters;
    }

    /** Decodes the record as {@code type} and hands it to {@code handler}; returns whether it succeeded. */
    public <T extends SpecificRecord> boolean handle(ConsumerRecord<String, byte[]> record, Class<T> type,
                                                     Consumer<T> handler) {
        T event = null;
        try {
            event = EventCodec.decode(record.value(), type);
            handler.accept(event);
            return true;
        } catch (ServiceStoppingException e) {
            throw e;
        } catch (RuntimeException | OutOfMemoryError | StackOverflowError e) {
            // Errors too: an allocation or recursion sized by the input (a huge array, a deep structure) fails
            // that one message; rethrown, it would stop the channel and be redelivered after every restart.
            if (!(e instanceof MalformedEventException) && !isRejection(e)) {
                LOG.error("unexpected failure handling {} from {}", type.getSimpleName(), record.topic(), e);
            }
            deadLetters.accept(DeadLetters.of(service, record.topic(), record.partition(), record.offset(),
                    record.key(), record.value(), jobIdOf(event), e));
            return false;
        }
    }

    /** Service-specific rejections are named *RejectedException by convention; they are expected, not bugs. */
    private static boolean isRejection(Throwable e) {
        return e.getClass().getSimpleName().endsWith("RejectedException");
    }

    private static String jobIdOf(SpecificRecord event) {
        if (event == null) {
            return null;
        }
        Schema.Field field = event.getSchema().getField("jobId");
        Object value = field == null ? null : event.get(field.pos());
        return value == null ? null : value.toString();
    }
}
