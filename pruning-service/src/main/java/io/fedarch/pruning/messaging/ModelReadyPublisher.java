package io.fedarch.pruning.messaging;

import java.util.concurrent.CompletableFuture;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import org.eclipse.microprofile.reactive.messaging.Channel;
import org.eclipse.microprofile.reactive.messaging.Emitter;
import org.eclipse.microprofile.reactive.messaging.Message;
import org.jboss.logging.Logger;

import io.fedarch.events.ModelReady;
import io.smallrye.reactive.messaging.kafka.api.OutgoingKafkaRecordMetadata;

/** Announces exported models on fedarch.models-ready. */
@ApplicationScoped
public class ModelReadyPublisher {
    private static final Logger LOG = Logger.getLogger(ModelReadyPublisher.class);

    @Inject
    @Channel("models-ready")
    Emitter<ModelReady> modelsReady;

    public void publish(ModelReady ready) {
        modelsReady.send(Message.of(ready)
                .addMetadata(OutgoingKafkaRecordMetadata.<String>builder().withKey(ready.getJobId()).build())
                .withNack(failure -> {
                    LOG.errorf(failure, "model-ready event of job %s not published", ready.getJobId());
                    return CompletableFuture.completedFuture(null);
                }));
    }
}
