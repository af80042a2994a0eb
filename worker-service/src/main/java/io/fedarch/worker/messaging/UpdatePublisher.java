package io.fedarch.worker.messaging;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import org.eclipse.microprofile.reactive.messaging.Channel;
import org.eclipse.microprofile.reactive.messaging.Emitter;
import org.eclipse.microprofile.reactive.messaging.Message;
import org.jboss.logging.Logger;

import io.fedarch.events.ClientUpdate;
import io.fedarch.events.DeadLetter;
import io.smallrye.reactive.messaging.kafka.api.OutgoingKafkaRecordMetadata;

/** The worker's outbound events. */
@ApplicationScoped
public class UpdatePublisher {
    private static final Logger LOG = Logger.getLogger(UpdatePublisher.class);

    @Inject
    @Channel("client-updates")
    Emitter<ClientUpdate> clientUpdates;

    @Inject
    @Channel("dead-letters")
    Emitter<DeadLetter> deadLetters;

    /**
     * Waits for the broker's acknowledgement before the task's offset may be committed, so a
     * crash between training and publishing makes the task run again instead of vanishing.
     */
    public void publish(ClientUpdate update) {
        CompletableFuture<Void> acked = new CompletableFuture<>();
        clientUpdates.send(Message.of(update)
                .addMetadata(OutgoingKafkaRecordMetadata.<String>builder().withKey(update.getJobId()).build())
                .withAck(() -> {
                    acked.complete(null);
                    return CompletableFuture.completedFuture(null);
                })
                .withNack(failure -> {
                    acked.completeExceptionally(failure);
                    return CompletableFuture.completedFuture(null);
                }));
        try {
            acked.get(2, TimeUnit.MINUTES);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while publishing update", e);
        } catch (ExecutionException | TimeoutException e) {
            throw new IllegalStateException("update for job " + update.getJobId() + " round " + update.getRound()
                    + " client " + update.getClientId() + " was not accepted by the broker: " + e.getMessage(), e);
        }
    }

    public void deadLetter(DeadLetter letter) {
        LOG.warnf("dead letter from %s[%d]@%d: %s", letter.getSourceTopic(), letter.getSourcePartition(),
                letter.getSourceOffset(), letter.getReason());
        deadLetters.send(Message.of(letter)
                .addMetadata(OutgoingKafkaRecordMetadata.<String>builder().withKey(letter.getJobId()).build()));
    }
}
