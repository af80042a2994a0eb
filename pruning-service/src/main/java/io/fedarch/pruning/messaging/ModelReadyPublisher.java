package io.fedarch.pruning.messaging;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import org.eclipse.microprofile.reactive.messaging.Channel;
import org.eclipse.microprofile.reactive.messaging.Emitter;
import org.eclipse.microprofile.reactive.messaging.Message;
import org.jboss.logging.Logger;

import io.fedarch.events.DeadLetter;
import io.fedarch.events.ModelReady;
import io.smallrye.reactive.messaging.kafka.api.OutgoingKafkaRecordMetadata;

/** The pruning service's outbound events. */
@ApplicationScoped
public class ModelReadyPublisher {
    private static final Logger LOG = Logger.getLogger(ModelReadyPublisher.class);

    @Inject
    @Channel("models-ready")
    Emitter<ModelReady> modelsReady;

    @Inject
    @Channel("dead-letters")
    Emitter<DeadLetter> deadLetters;

    public void publish(ModelReady ready) {
        modelsReady.send(Message.of(ready)
                .addMetadata(OutgoingKafkaRecordMetadata.<String>builder().withKey(ready.getJobId()).build()));
    }

    public void deadLetter(DeadLetter letter) {
        LOG.warnf("dead letter from %s[%d]@%d: %s", letter.getSourceTopic(), letter.getSourcePartition(),
                letter.getSourceOffset(), letter.getReason());
        deadLetters.send(Message.of(letter)
                .addMetadata(OutgoingKafkaRecordMetadata.<String>builder().withKey(letter.getJobId()).build()));
    }
}
