package io.fedarch.coordinator.listener;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.eclipse.microprofile.reactive.messaging.Incoming;

import io.fedarch.coordinator.service.Consumed;
import io.fedarch.coordinator.service.FederationService;
import io.fedarch.core.federation.UpdateOrigin;
import io.fedarch.events.ArchitectureMask;
import io.fedarch.events.ClientUpdate;
import io.fedarch.events.JobSubmitted;
import io.fedarch.events.RoundStartRequested;
import io.fedarch.service.DeadLetterSink;
import io.smallrye.reactive.messaging.annotations.Blocking;

/**
 * The coordinator's inbound channels. Payloads arrive as raw bytes and are decoded here so a
 * malformed or rejected message becomes a dead letter with its reason instead of stalling the channel.
 * Offsets are never committed by the channels (commit-strategy ignore): each input's offset commits
 * in the transaction carrying its effects. A dead-lettered input commits nothing of its own (a
 * transaction per bad message made a flood of them crawl); the next handled input of its partition
 * commits past it, and until then a restart delivers it, and dead-letters it, again.
 */
@ApplicationScoped
public class CoordinatorListeners {
    @Inject
    DeadLetterSink deadLetters;

    @Inject
    FederationService federation;

    @Incoming("jobs")
    @Blocking
    public void onJob(ConsumerRecord<String, byte[]> record) {
        Consumed consumed = Consumed.of(record);
        deadLetters.guarded(record, JobSubmitted.class, job -> federation.submit(job, consumed));
    }

    @Incoming("round-starts")
    @Blocking
    public void onRoundStart(ConsumerRecord<String, byte[]> record) {
        Consumed consumed = Consumed.of(record);
        deadLetters.guarded(record, RoundStartRequested.class, request -> federation.requestRound(request, consumed));
    }

    @Incoming("architecture-masks")
    @Blocking
    public void onArchitectureMask(ConsumerRecord<String, byte[]> record) {
        Consumed consumed = Consumed.of(record);
        deadLetters.guarded(record, ArchitectureMask.class, mask -> federation.receiveMask(mask, consumed));
    }

    @Incoming("client-updates")
    @Blocking
    public void onClientUpdate(ConsumerRecord<String, byte[]> record) {
        // The update's place on the topic goes into the job's checkpoint, which refers to updates instead of copying them.
        Consumed consumed = Consumed.of(record);
        deadLetters.guarded(record, ClientUpdate.class, update -> federation.receive(update,
                new UpdateOrigin(update.getEventId(), record.partition(), record.offset()), consumed));
    }
}
