package io.fedarch.service;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.eclipse.microprofile.reactive.messaging.Channel;
import org.eclipse.microprofile.reactive.messaging.Emitter;
import org.eclipse.microprofile.reactive.messaging.Message;
import org.jboss.logging.Logger;

import io.fedarch.events.DeadLetter;
import io.fedarch.events.wire.DeadLetterGuard;
import io.micrometer.core.instrument.MeterRegistry;
import io.smallrye.reactive.messaging.kafka.api.OutgoingKafkaRecordMetadata;

/**
 * Where a service's unusable messages go: the {@code dead-letters} channel (topic
 * fedarch.dead-letters), a warning in the log and the {@code fedarch.dead.letters} counter.
 * Listeners wrap their handlers with {@link #guarded} so a bad message never stops a channel.
 */
@ApplicationScoped
public class DeadLetterSink {
    private static final Logger LOG = Logger.getLogger(DeadLetterSink.class);

    @Inject
    @Channel("dead-letters")
    Emitter<DeadLetter> deadLetters;

    @Inject
    MeterRegistry registry;

    @ConfigProperty(name = "quarkus.application.name")
    String service;

    private volatile DeadLetterGuard guard;

    private final HandledEvents handled = new HandledEvents(10_000);

    /**
     * Decodes the record as {@code type} and runs {@code handler}; any failure becomes a dead
     * letter. An event this instance already handled successfully (same type and event id, i.e. a
     * redelivered copy) is skipped.
     */
    public <T extends SpecificRecord> boolean guarded(ConsumerRecord<String, byte[]> record, Class<T> type,
                                                      java.util.function.Consumer<T> handler) {
        DeadLetterGuard current = guard;
        if (current == null) {
            current = new DeadLetterGuard(service, this::publish);
            guard = current;
        }
        return current.handle(record, type, event -> {
            String eventId = eventIdOf(event);
            if (eventId == null) {
                handler.accept(event);
                return;
            }
            String key = type.getSimpleName() + "/" + eventId;
            if (handled.contains(key)) {
                LOG.infof("%s handled before; the copy at %s[%d]@%d is skipped", key, record.topic(),
                        record.partition(), record.offset());
                registry.counter("fedarch.events.redelivered", "topic", record.topic()).increment();
                return;
            }
            handler.accept(event);
            handled.add(key);
        });
    }

    private static String eventIdOf(SpecificRecord event) {
        org.apache.avro.Schema.Field field = event.getSchema().getField("eventId");
        Object value = field == null ? null : event.get(field.pos());
        return value == null ? null : value.toString();
    }

    /**
     * Sends the dead letter. A dead letter that cannot be sent (the emitter's buffer is full, the
     * topic is gone, the broker is down past the delivery timeout) is logged and counted, never
     * thrown: it must not stop the consumer that is skipping a bad message (review M3). The send is
     * not awaited: waiting for each acknowledgement cut a flood of bad messages to a few dozen per
     * second (FuzzTest), and a lost dead letter loses no valid work.
     */
    public void publish(DeadLetter letter) {
        LOG.warnf("dead letter from %s[%d]@%d: %s", letter.getSourceTopic(), letter.getSourcePartition(),
                letter.getSourceOffset(), letter.getReason());
        registry.counter("fedarch.dead.letters", "topic", letter.getSourceTopic()).increment();
        try {
            deadLetters.send(Message.of(letter)
                    .addMetadata(OutgoingKafkaRecordMetadata.<String>builder().withKey(letter.getJobId()).build())
                    .withNack(failure -> {
                        lost(letter, failure instanceof Exception e ? e : new RuntimeException(failure));
                        return java.util.concurrent.CompletableFuture.completedFuture(null);
                    }));
        } catch (RuntimeException e) {
            lost(letter, e);
        }
    }

    private void lost(DeadLetter letter, Exception why) {
        registry.counter("fedarch.dead.letters.unsent", "topic", letter.getSourceTopic()).increment();
        LOG.errorf("dead letter for %s[%d]@%d could not be written (%s); the consumer goes on", letter.getSourceTopic(),
                letter.getSourcePartition(), letter.getSourceOffset(), why);
    }
}
