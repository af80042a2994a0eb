package io.fedarch.coordinator.service;

import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;

import org.eclipse.microprofile.config.inject.ConfigProperty;

import io.fedarch.core.data.PartitionSampleCap;
import io.fedarch.core.federation.EngineSettings;
import io.fedarch.core.federation.FederationEngine;
import io.fedarch.core.federation.JobLimits;
import io.fedarch.core.federation.SampleCountCap;
import io.fedarch.core.strategy.StrategyRegistry;

/** The coordinator's federation engine, built from its configuration: waits, limits, the sample-count cap. */
@ApplicationScoped
public class FederationEngineConfiguration {
    @ConfigProperty(name = "fedarch.topics.max-message-bytes", defaultValue = "67108864")
    int maxMessageBytes;

    /** How long a soft-pruning job waits for the pruning service's mask before it goes on with the current one. */
    @ConfigProperty(name = "fedarch.coordinator.mask-wait", defaultValue = "PT2M")
    Duration maskWait;

    /** A resumed round gets at least this long (capped at its job's round deadline) to drain the updates that queued up. */
    @ConfigProperty(name = "fedarch.coordinator.resume-grace", defaultValue = "PT30S")
    Duration resumeGrace;

    /** What one worker may use for a task (the chart sets it to the workers' memory limit); bigger jobs are refused. */
    @ConfigProperty(name = "fedarch.limits.worker-memory-bytes", defaultValue = "17179869184")
    long workerMemoryBytes;

    /**
     * What the coordinator may hold for one job's open round: a job whose aggregation buffers every
     * update (a robust rule) and whose clientsPerRound FP32 models exceed it is refused. Mean-based
     * rounds hold running sums (8 bytes per parameter) whatever their number of clients.
     */
    @ConfigProperty(name = "fedarch.limits.coordinator-memory-bytes", defaultValue = "201326592")
    long coordinatorMemoryBytes;

    /**
     * Whether mean-based rounds fold each update into running sums as it arrives (the default).
     * false buffers every update until the round closes, as before issue 19: only for measuring both.
     */
    @ConfigProperty(name = "fedarch.coordinator.fold-updates", defaultValue = "true")
    boolean foldUpdates;

    @ConfigProperty(name = "fedarch.limits.max-total-clients", defaultValue = "100000")
    int maxTotalClients;

    @ConfigProperty(name = "fedarch.limits.max-clients-per-round", defaultValue = "1000")
    int maxClientsPerRound;

    @ConfigProperty(name = "fedarch.limits.max-rounds", defaultValue = "10000")
    int maxRounds;

    @ConfigProperty(name = "fedarch.limits.max-epochs", defaultValue = "100")
    int maxEpochs;

    /**
     * Where the coordinator reads the dataset's training labels to compute each client's shard size,
     * the most an update is weighed (review H4); a deployment without them there has no cap.
     */
    @ConfigProperty(name = "fedarch.coordinator.data-dir", defaultValue = "/usr/share/datasets/fashion-mnist")
    Path dataDir;

    /** Off for silo deployments, where each silo's data is its own and the shared partition says nothing. */
    @ConfigProperty(name = "fedarch.coordinator.cap-sample-counts", defaultValue = "true")
    boolean capSampleCounts;

    @Produces
    @Singleton
    FederationEngine engine() {
        JobLimits d = JobLimits.DEFAULTS;
        JobLimits limits = new JobLimits(maxTotalClients, maxClientsPerRound, maxRounds, maxEpochs, d.maxBatchSize(),
                d.maxRoundDeadline(), d.maxRoundAttempts(), d.maxSpecBytes(), d.maxKnobValue(), workerMemoryBytes,
                coordinatorMemoryBytes);
        return new FederationEngine(StrategyRegistry.builtIn(),
                new EngineSettings(maskWait, resumeGrace, maxMessageBytes, limits, foldUpdates), Clock.systemUTC(),
                capSampleCounts ? new PartitionSampleCap(dataDir) : SampleCountCap.NONE);
    }
}
