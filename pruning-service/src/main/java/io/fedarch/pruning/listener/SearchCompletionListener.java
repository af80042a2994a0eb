package io.fedarch.pruning.listener;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.eclipse.microprofile.reactive.messaging.Incoming;

import io.fedarch.events.SearchCompleted;
import io.fedarch.pruning.export.SearchCompletionHandler;
import io.fedarch.service.DeadLetterSink;
import io.smallrye.reactive.messaging.annotations.Blocking;

/** Consumes completed searches; each becomes an evaluated, exported model (or a dead letter saying why not). */
@ApplicationScoped
public class SearchCompletionListener {
    @Inject
    DeadLetterSink deadLetters;

    @Inject
    SearchCompletionHandler handler;

    @Incoming("search-completions")
    @Blocking
    public void onSearchCompleted(ConsumerRecord<String, byte[]> record) {
        deadLetters.guarded(record, SearchCompleted.class, handler::handle);
    }
}
