package io.fedarch.pruning.messaging;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import org.eclipse.microprofile.reactive.messaging.Channel;
import org.eclipse.microprofile.reactive.messaging.Emitter;
import org.eclipse.microprofile.reactive.messaging.Message;

import io.fedarch.events.JobSubmitted;
import io.smallrye.reactive.messaging.kafka.api.OutgoingKafkaRecordMetadata;

/** Submits the jobs a pipeline starts on its own (FedNAS's fine-tuning) on fedarch.jobs, like any external system. */
@ApplicationScoped
public class JobSubmissionPublisher {
    @Inject
    @Channel("job-submissions")
    Emitter<JobSubmitted> jobSubmissions;

    /** Returns once the broker has the job, so the triggering event is only acknowledged after that. */
    public void publish(JobSubmitted job) {
        CompletableFuture<Void> sent = new CompletableFuture<>();
        jobSubmissions.send(Message.of(job)
                .addMetadata(OutgoingKafkaRecordMetadata.<String>builder().withKey(job.getJobId()).build())
                .withAck(() -> {
                    sent.complete(null);
                    return CompletableFuture.completedFuture(null);
                })
                .withNack(failure -> {
                    sent.completeExceptionally(failure);
                    return CompletableFuture.completedFuture(null);
                }));
        try {
            sent.get(60, TimeUnit.SECONDS);
        } catch (ExecutionException e) {
            throw new IllegalStateException("job " + job.getJobId() + " not submitted: " + e.getCause().getMessage(),
                    e.getCause());
        } catch (TimeoutException e) {
            throw new IllegalStateException("job " + job.getJobId() + " not acknowledged by the broker in 60 s", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while submitting job " + job.getJobId(), e);
        }
    }
}
