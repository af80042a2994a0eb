package io.fedarch.coordinator.metrics;

import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicReference;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import io.fedarch.coordinator.service.JobRegistry;
import io.fedarch.events.ClientMetrics;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;

/** The coordinator's Micrometer meters, exported at /q/metrics. */
@ApplicationScoped
public class CoordinatorMetrics {
    private final MeterRegistry registry;
    /** Per algorithm, the global validation accuracy of the round closed last (what the dashboard plots per round). */
    private final Map<String, AtomicReference<Double>> lastAccuracy = new ConcurrentHashMap<>();

    @Inject
    public CoordinatorMetrics(MeterRegistry registry, JobRegistry jobs) {
        this.registry = registry;
        Gauge.builder("fedarch.jobs.active", jobs, JobRegistry::active)
                .description("Jobs accepted and not yet finished").register(registry);
    }

    public void roundCompleted(String algorithm, long roundMs, long aggregationMs, double validationAccuracy) {
        registry.counter("fedarch.rounds.completed", "algorithm", algorithm).increment();
        lastAccuracy.computeIfAbsent(algorithm, a -> {
            AtomicReference<Double> holder = new AtomicReference<>(Double.NaN);
            Gauge.builder("fedarch.round.validation.accuracy", holder, AtomicReference::get).tag("algorithm", a)
                    .description("Global model's validation accuracy after the round closed last").register(registry);
            return holder;
        }).set(validationAccuracy);
        Timer.builder("fedarch.round.duration").tag("algorithm", algorithm)
                .description("From publishing a round's tasks to publishing its aggregate")
                .register(registry).record(Duration.ofMillis(roundMs));
        Timer.builder("fedarch.aggregation.duration").tag("algorithm", algorithm)
                .register(registry).record(Duration.ofMillis(aggregationMs));
    }

    /**
     * The close of a round by its last update: from the coordinator taking that update to the commit
     * of the transaction that publishes the aggregate (with the next round's tasks and the checkpoint).
     */
    public void roundClosedByUpdate(String algorithm, long nanos) {
        Timer.builder("fedarch.round.close").tag("algorithm", algorithm)
                .description("From handling a round's last update to committing its aggregate")
                .register(registry).record(Duration.ofNanos(nanos));
    }

    public void clientUpdate(String algorithm, ClientMetrics client) {
        DistributionSummary.builder("fedarch.update.bytes").baseUnit("bytes").tag("algorithm", algorithm)
                .description("Encoded size of client model updates").register(registry)
                .record(client.getUpdateBytes());
        Timer.builder("fedarch.client.compute").tag("algorithm", algorithm)
                .description("Client-reported local compute time per update")
                .register(registry).record(Duration.ofMillis(client.getComputeMs()));
    }

    /** An update that changed nothing: a duplicate or one for a round that had closed (reason says which). */
    public void updateIgnored(String reason) {
        registry.counter("fedarch.updates.ignored", "reason", reason).increment();
    }

    /** A round that missed its deadline without a quorum and asked replacement clients. */
    public void roundRetried() {
        registry.counter("fedarch.rounds.retried").increment();
    }

    /** An async job's task that missed its deadline and was given to another client. */
    public void asyncTaskReissued() {
        registry.counter("fedarch.async.tasks.reissued").increment();
    }
}
