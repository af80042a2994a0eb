package io.fedarch.worker.listener;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.eclipse.microprofile.reactive.messaging.Incoming;

import io.fedarch.events.ClientTask;
import io.fedarch.service.DeadLetterSink;
import io.fedarch.worker.service.ClientTaskRunner;
import io.smallrye.reactive.messaging.annotations.Blocking;

/**
 * Consumes client tasks in the shared consumer group: start any number of workers and they
 * split the task partitions. Ordered blocking processing: one task at a time per worker, because
 * training uses the whole machine and DJL allows one gradient collector per JVM.
 */
@ApplicationScoped
public class ClientTaskListener {
    @Inject
    DeadLetterSink deadLetters;

    @Inject
    ClientTaskRunner runner;

    @Incoming("client-tasks")
    @Blocking
    public void onTask(ConsumerRecord<String, byte[]> record) {
        // The record is decoded inside guarded(): the time until the task reaches the runner is its decoding.
        long arrived = System.nanoTime();
        deadLetters.guarded(record, ClientTask.class, task -> runner.run(task, System.nanoTime() - arrived));
    }
}
