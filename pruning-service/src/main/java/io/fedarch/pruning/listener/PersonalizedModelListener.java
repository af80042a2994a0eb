package io.fedarch.pruning.listener;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.eclipse.microprofile.reactive.messaging.Incoming;

import io.fedarch.events.PersonalizedModel;
import io.fedarch.pruning.export.PersonalizedModelExporter;
import io.fedarch.service.DeadLetterSink;
import io.smallrye.reactive.messaging.annotations.Blocking;

/** Consumes personalized models; each becomes a CLIENT-scoped model-ready event (or a dead letter saying why not). */
@ApplicationScoped
public class PersonalizedModelListener {
    @Inject
    DeadLetterSink deadLetters;

    @Inject
    PersonalizedModelExporter exporter;

    @Incoming("personalized-models")
    @Blocking
    public void onPersonalizedModel(ConsumerRecord<String, byte[]> record) {
        deadLetters.guarded(record, PersonalizedModel.class, exporter::export);
    }
}
