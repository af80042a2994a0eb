package io.fedarch.pruning.listener;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.eclipse.microprofile.reactive.messaging.Incoming;

import io.fedarch.events.SearchCompleted;
import io.fedarch.events.wire.DeadLetterGuard;
import io.fedarch.pruning.messaging.ModelReadyPublisher;
import io.fedarch.pruning.metrics.PruningMetrics;
import io.fedarch.pruning.service.ModelExporter;
import io.smallrye.reactive.messaging.annotations.Blocking;

/** Consumes completed searches; each becomes an evaluated, exported model (or a dead letter saying why not). */
@ApplicationScoped
public class SearchCompletionListener {
    private final DeadLetterGuard guard;
    private final ModelExporter exporter;

    @Inject
    public SearchCompletionListener(ModelExporter exporter, ModelReadyPublisher publisher, PruningMetrics metrics) {
        this.exporter = exporter;
        this.guard = new DeadLetterGuard("pruning", letter -> {
            metrics.deadLetter(letter.getSourceTopic());
            publisher.deadLetter(letter);
        });
    }

    @Incoming("search-completions")
    @Blocking
    public void onSearchCompleted(ConsumerRecord<String, byte[]> record) {
        guard.handle(record, SearchCompleted.class, exporter::export);
    }
}
