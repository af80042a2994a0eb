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

import io.fedarch.events.ClientUpdate;
import io.smallrye.reactive.messaging.kafka.api.OutgoingKafkaRecordMetadata;

/** Publishes client updates on fedarch.client-updates. */
@ApplicationScoped
public class UpdatePublisher {
    @Inject
    @Channel("client-updates")
    Emitter<ClientUpdate> clientUpdates;

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

}
