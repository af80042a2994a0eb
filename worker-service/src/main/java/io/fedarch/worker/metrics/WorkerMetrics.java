package io.fedarch.worker.metrics;

import java.time.Duration;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;

/** The worker's Micrometer meters, exported at /q/metrics. */
@ApplicationScoped
public class WorkerMetrics {
    @Inject
    MeterRegistry registry;

    public void taskCompleted(String algorithm, long computeMs, long updateBytes) {
        registry.counter("fedarch.tasks.completed", "algorithm", algorithm).increment();
        Timer.builder("fedarch.client.compute").tag("algorithm", algorithm)
                .description("Local procedure wall time per task (data, training, evaluation, encoding)")
                .register(registry).record(Duration.ofMillis(computeMs));
        DistributionSummary.builder("fedarch.update.bytes").baseUnit("bytes").tag("algorithm", algorithm)
                .register(registry).record(updateBytes);
    }

    public void taskSkipped() {
        registry.counter("fedarch.tasks.skipped", "reason", "deadline").increment();
    }

}
