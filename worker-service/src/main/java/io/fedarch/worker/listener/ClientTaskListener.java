package io.fedarch.worker.listener;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.eclipse.microprofile.reactive.messaging.Incoming;

import io.fedarch.events.ClientTask;
import io.fedarch.events.wire.DeadLetterGuard;
import io.fedarch.worker.messaging.UpdatePublisher;
import io.fedarch.worker.metrics.WorkerMetrics;
import io.fedarch.worker.service.ClientTaskRunner;
import io.smallrye.reactive.messaging.annotations.Blocking;

/**
 * Consumes client tasks in the shared consumer group: start any number of workers and they
 * split the task partitions. Ordered blocking processing: one task at a time per worker, because
 * training uses the whole machine and DJL allows one gradient collector per JVM.
 */
@ApplicationScoped
public class ClientTaskListener {
    private final DeadLetterGuard guard;
    private final ClientTaskRunner runner;

    @Inject
    public ClientTaskListener(ClientTaskRunner runner, UpdatePublisher publisher, WorkerMetrics metrics) {
        this.runner = runner;
        this.guard = new DeadLetterGuard("worker", letter -> {
            metrics.deadLetter(letter.getSourceTopic());
            publisher.deadLetter(letter);
        });
    }

    @Incoming("client-tasks")
    @Blocking
    public void onTask(ConsumerRecord<String, byte[]> record) {
        guard.handle(record, ClientTask.class, runner::run);
    }
}
