package io.fedarch.coordinator.service;

import io.fedarch.core.strategy.Strategy;
import io.fedarch.core.tensor.ModelParameters;
import io.fedarch.events.JobSpec;
import io.fedarch.events.RoundMetrics;

/**
 * The coordinator's state of one job. Guarded by its own monitor: rounds of different jobs
 * proceed independently, events of one job are handled one at a time.
 */
public final class JobRun {
    final String jobId;
    final JobSpec spec;
    final Strategy strategy;
    final long acceptedNanos = System.nanoTime();

    volatile JobPhase phase;
    ModelParameters global;
    int modelVersion;
    int completedRounds;
    RoundState openRound;
    RoundMetrics lastRoundMetrics;
    String failureReason;
    /** The search space of the next (or current) round for soft-pruning strategies; null = all of it. */
    io.fedarch.core.darts.OperationMask mask;
    /** While WAITING_FOR_MASK: when to go on with the current mask if none arrives. */
    java.time.Instant maskDeadline;
    /** An externally paced job asked for its next round while the mask was still pending. */
    boolean roundStartPending;
    /** Clients whose personalized model was published (filled when the job succeeds). */
    java.util.List<Integer> personalizedClients = java.util.List.of();

    JobRun(String jobId, JobSpec spec, Strategy strategy, ModelParameters initial) {
        this.jobId = jobId;
        this.spec = spec;
        this.strategy = strategy;
        this.global = initial;
    }

    /** A consistent snapshot for the REST status view. */
    public synchronized JobStatus status() {
        return new JobStatus(jobId, spec.getAlgorithm(), phase.name(), completedRounds, spec.getRounds(),
                openRound == null ? null : openRound.round,
                openRound == null ? 0 : openRound.updates.size(),
                openRound == null ? 0 : openRound.plan.clients().size(),
                modelVersion, lastRoundMetrics == null ? null : lastRoundMetrics.getGlobalValidationAccuracy(),
                failureReason);
    }
}
