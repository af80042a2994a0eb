package io.fedarch.coordinator.listener;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.eclipse.microprofile.reactive.messaging.Incoming;

import io.fedarch.coordinator.messaging.EventPublisher;
import io.fedarch.coordinator.metrics.CoordinatorMetrics;
import io.fedarch.coordinator.service.FederationService;
import io.fedarch.events.ClientUpdate;
import io.fedarch.events.JobSubmitted;
import io.fedarch.events.RoundStartRequested;
import io.fedarch.events.wire.DeadLetterGuard;
import io.smallrye.reactive.messaging.annotations.Blocking;

/**
 * The coordinator's inbound channels. Payloads arrive as raw bytes and are decoded here so a
 * malformed or rejected message becomes a dead letter with its reason instead of stalling the channel.
 */
@ApplicationScoped
public class CoordinatorListeners {
    private final DeadLetterGuard guard;
    private final FederationService federation;

    @Inject
    public CoordinatorListeners(FederationService federation, EventPublisher publisher, CoordinatorMetrics metrics) {
        this.federation = federation;
        this.guard = new DeadLetterGuard("coordinator", letter -> {
            metrics.deadLetter(letter.getSourceTopic());
            publisher.deadLetter(letter);
        });
    }

    @Incoming("jobs")
    @Blocking
    public void onJob(ConsumerRecord<String, byte[]> record) {
        guard.handle(record, JobSubmitted.class, federation::submit);
    }

    @Incoming("round-starts")
    @Blocking
    public void onRoundStart(ConsumerRecord<String, byte[]> record) {
        guard.handle(record, RoundStartRequested.class, federation::requestRound);
    }

    @Incoming("client-updates")
    @Blocking
    public void onClientUpdate(ConsumerRecord<String, byte[]> record) {
        guard.handle(record, ClientUpdate.class, federation::receive);
    }
}
