package io.fedarch.pruning.messaging;

import java.util.concurrent.CompletableFuture;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import org.eclipse.microprofile.reactive.messaging.Channel;
import org.eclipse.microprofile.reactive.messaging.Emitter;
import org.eclipse.microprofile.reactive.messaging.Message;
import org.jboss.logging.Logger;

import io.fedarch.events.ArchitectureMask;
import io.smallrye.reactive.messaging.kafka.api.OutgoingKafkaRecordMetadata;

/** Publishes soft-pruning masks on fedarch.architecture-masks. */
@ApplicationScoped
public class ArchitectureMaskPublisher {
    private static final Logger LOG = Logger.getLogger(ArchitectureMaskPublisher.class);

    @Inject
    @Channel("architecture-masks")
    Emitter<ArchitectureMask> masks;

    public void publish(ArchitectureMask mask) {
        masks.send(Message.of(mask)
                .addMetadata(OutgoingKafkaRecordMetadata.<String>builder().withKey(mask.getJobId()).build())
                .withNack(failure -> {
                    LOG.errorf(failure, "mask of job %s after round %d not published", mask.getJobId(), mask.getRound());
                    return CompletableFuture.completedFuture(null);
                }));
    }
}
