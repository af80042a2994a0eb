package io.fedarch.coordinator.service;

import java.time.Instant;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

import io.fedarch.core.darts.OperationMask;
import io.fedarch.core.strategy.Strategy;
import io.fedarch.core.tensor.ModelParameters;
import io.fedarch.events.JobSpec;
import io.fedarch.events.RoundMetrics;

/**
 * The coordinator's state of one job. Guarded by its own monitor: rounds of different jobs
 * proceed independently, events of one job are handled one at a time. Everything here is written
 * to the job's checkpoint ({@link JobCheckpoints}) after every change.
 */
public final class JobRun {
    /** How many handled round-start and mask event ids a job remembers to recognise redelivered copies. */
    private static final int REMEMBERED_EVENT_IDS = 128;

    final String jobId;
    final JobSpec spec;
    final Strategy strategy;
    final Instant acceptedAt;

    volatile JobPhase phase;
    ModelParameters global;
    int modelVersion;
    int completedRounds;
    RoundState openRound;
    RoundMetrics lastRoundMetrics;
    String failureReason;
    /** The search space of the next (or current) round for soft-pruning strategies; null = all of it. */
    OperationMask mask;
    /** The round after which the last applied mask was made; a later copy of that mask is a duplicate. */
    int maskAppliedAfterRound;
    /** While WAITING_FOR_MASK: when to go on with the current mask if none arrives. */
    Instant maskDeadline;
    /** An externally paced job asked for its next round while the mask was still pending. */
    boolean roundStartPending;
    /** Clients whose personalized model was published (filled when the job succeeds). */
    List<Integer> personalizedClients = List.of();
    /** Buffered asynchronous aggregation state; null for a job with synchronous rounds. */
    AsyncJobState async;
    /** Number of the job's latest checkpoint. */
    long checkpointSequence;

    private final Deque<String> handledOrder = new ArrayDeque<>();
    private final Set<String> handled = new HashSet<>();

    JobRun(String jobId, JobSpec spec, Strategy strategy, ModelParameters initial, Instant acceptedAt) {
        this.jobId = jobId;
        this.spec = spec;
        this.strategy = strategy;
        this.global = initial;
        this.acceptedAt = acceptedAt;
    }

    /** Remembers an acted-on event id; returns false when it was handled before (a redelivered copy). */
    boolean firstTimeHandled(String eventId) {
        if (!handled.add(eventId)) {
            return false;
        }
        handledOrder.addLast(eventId);
        if (handledOrder.size() > REMEMBERED_EVENT_IDS) {
            handled.remove(handledOrder.removeFirst());
        }
        return true;
    }

    List<String> handledEventIds() {
        return List.copyOf(handledOrder);
    }

    /** A consistent snapshot for the REST status view. */
    public synchronized JobStatus status() {
        return new JobStatus(jobId, spec.getAlgorithm(), phase.name(), completedRounds, spec.getRounds(),
                openRound == null ? null : openRound.round,
                openRound == null ? 0 : openRound.updates.size(),
                openRound == null ? 0 : openRound.expectedUpdates(),
                modelVersion, lastRoundMetrics == null ? null : lastRoundMetrics.getGlobalValidationAccuracy(),
                failureReason);
    }
}
