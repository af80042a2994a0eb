package io.fedarch.pruning.metrics;

import java.time.Duration;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;

/** The pruning service's Micrometer meters, exported at /q/metrics. */
@ApplicationScoped
public class PruningMetrics {
    @Inject
    MeterRegistry registry;

    public void exported(String algorithm, long ms, double testAccuracy) {
        registry.counter("fedarch.models.exported", "algorithm", algorithm).increment();
        Timer.builder("fedarch.export.duration").tag("algorithm", algorithm)
                .description("Evaluation on the test set plus writing artifacts")
                .register(registry).record(Duration.ofMillis(ms));
        DistributionSummary.builder("fedarch.model.test.accuracy").tag("algorithm", algorithm)
                .register(registry).record(testAccuracy);
    }

}
