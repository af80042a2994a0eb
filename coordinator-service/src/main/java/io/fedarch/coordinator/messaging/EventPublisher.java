package io.fedarch.coordinator.messaging;

import java.util.concurrent.CompletableFuture;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import org.eclipse.microprofile.reactive.messaging.Channel;
import org.eclipse.microprofile.reactive.messaging.Emitter;
import org.eclipse.microprofile.reactive.messaging.Message;
import org.jboss.logging.Logger;

import io.fedarch.events.ClientTask;
import io.fedarch.events.GlobalModel;
import io.fedarch.events.JobSubmitted;
import io.fedarch.events.PersonalizedModel;
import io.fedarch.events.SearchCompleted;
import io.smallrye.reactive.messaging.kafka.api.OutgoingKafkaRecordMetadata;

/**
 * The REST API's job submissions. The coordinator's own outputs (tasks, global models, completions,
 * personalized models) are committed in Kafka transactions by {@code TransactionalCommit}; their
 * channels stay declared here and in application.properties because the chart derives the
 * coordinator's topic ACLs from those declarations.
 */
@ApplicationScoped
public class EventPublisher {
    private static final Logger LOG = Logger.getLogger(EventPublisher.class);

    @Inject
    @Channel("client-tasks")
    Emitter<ClientTask> clientTasks;

    @Inject
    @Channel("global-models")
    Emitter<GlobalModel> globalModels;

    @Inject
    @Channel("search-completions")
    Emitter<SearchCompleted> searchCompletions;

    @Inject
    @Channel("personalized-models")
    Emitter<PersonalizedModel> personalizedModels;

    @Inject
    @Channel("job-submissions")
    Emitter<JobSubmitted> jobSubmissions;

    /** Returns once the broker has the job: the REST caller's 202 means the job is on the topic. */
    public CompletableFuture<Void> jobSubmitted(JobSubmitted job) {
        return send(jobSubmissions, job, job.getJobId(), null);
    }

    private static <T> CompletableFuture<Void> send(Emitter<T> emitter, T payload, String key, Integer partition) {
        OutgoingKafkaRecordMetadata.OutgoingKafkaRecordMetadataBuilder<String> metadata =
                OutgoingKafkaRecordMetadata.<String>builder().withKey(key);
        if (partition != null) {
            metadata.withPartition(partition);
        }
        CompletableFuture<Void> sent = new CompletableFuture<>();
        emitter.send(Message.of(payload).addMetadata(metadata.build())
                .withAck(() -> {
                    sent.complete(null);
                    return CompletableFuture.completedFuture(null);
                })
                .withNack(failure -> {
                    LOG.errorf(failure, "could not publish %s", payload.getClass().getSimpleName());
                    sent.completeExceptionally(failure);
                    return CompletableFuture.completedFuture(null);
                }));
        return sent;
    }
}
