package io.fedarch.pruning.listener;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.eclipse.microprofile.reactive.messaging.Incoming;

import io.fedarch.events.GlobalModel;
import io.fedarch.pruning.softpruning.SoftPruningHandler;
import io.fedarch.service.DeadLetterSink;
import io.smallrye.reactive.messaging.annotations.Blocking;

/** Consumes aggregated global models; those of soft-pruning searches become the next round's mask. */
@ApplicationScoped
public class GlobalModelListener {
    @Inject
    DeadLetterSink deadLetters;

    @Inject
    SoftPruningHandler handler;

    @Incoming("global-models")
    @Blocking
    public void onGlobalModel(ConsumerRecord<String, byte[]> record) {
        deadLetters.guarded(record, GlobalModel.class, handler::handle);
    }
}
