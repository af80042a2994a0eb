package io.fedarch.core.federation;

import java.time.Instant;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

import io.fedarch.core.strategy.ServerState;
import io.fedarch.core.strategy.Strategy;
import io.fedarch.core.tensor.ModelParameters;
import io.fedarch.events.JobSpec;
import io.fedarch.events.RoundMetrics;

/**
 * Everything the federation engine knows of one job; the engine is its only writer. Not thread-safe:
 * a service handles one input of a job at a time (the coordinator locks on this object). All of it
 * goes into the job's checkpoint ({@link JobCheckpoints}) after every change.
 */
public final class JobState {
    /** How many handled round-start and between-rounds event ids a job remembers to recognise redelivered copies. */
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
    /** The strategy's server state: what the next (or current) round runs with. */
    ServerState state = ServerState.EMPTY;
    /** The round after which the last applied between-rounds result was made; a later copy of it is a duplicate. */
    int betweenRoundsAppliedAfter;
    /** While WAITING_FOR_BETWEEN_ROUNDS: when to go on with the current state if no result arrives. */
    Instant betweenRoundsDeadline;
    /** An externally paced job asked for its next round while the between-rounds result was still pending. */
    boolean roundStartPending;
    /** Clients whose personalized model was published (filled when the job succeeds). */
    List<Integer> personalizedClients = List.of();
    /** Buffered asynchronous aggregation state; null for a job with synchronous rounds. */
    AsyncState async;
    /** Number of the job's latest checkpoint. */
    long checkpointSequence;
    /** The compressed broadcast and its residual (JobSpec.compression.downlink); unused otherwise. */
    DownlinkBroadcast downlink = new DownlinkBroadcast();

    private final Deque<String> handledOrder = new ArrayDeque<>();
    private final Set<String> handled = new HashSet<>();

    JobState(String jobId, JobSpec spec, Strategy strategy, ModelParameters initial, Instant acceptedAt) {
        this.jobId = jobId;
        this.spec = spec;
        this.strategy = strategy;
        this.global = initial;
        this.acceptedAt = acceptedAt;
    }

    public String jobId() {
        return jobId;
    }

    /**
     * Marks whether the open round's tasks are still to be committed. A coordinator that commits a
     * round's close (the global model, the checkpoint, the last update's offset) in one transaction and
     * the next round's tasks in a second sets it for the first transaction's checkpoint and clears it
     * for the second's, so a restart in between knows to publish the tasks ({@link FederationEngine#restore}).
     */
    public void deferRoundTasks(boolean deferred) {
        if (openRound != null) {
            openRound.tasksPublished = !deferred;
        }
    }

    public JobSpec spec() {
        return spec;
    }

    public JobPhase phase() {
        return phase;
    }

    public ModelParameters global() {
        return global;
    }

    public int modelVersion() {
        return modelVersion;
    }

    public int completedRounds() {
        return completedRounds;
    }

    /** The open round (training or personalization), or null. */
    public RoundState openRound() {
        return openRound;
    }

    /** The strategy's server state (never null; empty for strategies that keep none). */
    public ServerState state() {
        return state;
    }

    public Instant acceptedAt() {
        return acceptedAt;
    }

    public List<Integer> personalizedClients() {
        return personalizedClients;
    }

    public String failureReason() {
        return failureReason;
    }

    public RoundMetrics lastRoundMetrics() {
        return lastRoundMetrics;
    }

    /** Bumps and returns the checkpoint number: the service calls it once per checkpoint it writes. */
    public long nextCheckpointSequence() {
        return ++checkpointSequence;
    }

    public long checkpointSequence() {
        return checkpointSequence;
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
}
