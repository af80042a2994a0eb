package io.fedarch.core.federation;

import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

import io.fedarch.core.strategy.ClientInstruction;
import io.fedarch.core.strategy.RoundAggregator;
import io.fedarch.core.strategy.RoundPlan;

/**
 * One open round: who was asked (in every attempt), by when, and what has come back so far.
 * A retried round keeps the updates it already has and asks replacement clients for the rest.
 */
public final class RoundState {
    final int round;
    final RoundPlan plan;
    final Instant startedAt;
    /** Every client asked in any attempt of this round, in the order asked. */
    final Set<Integer> asked = new LinkedHashSet<>();
    /** What each asked client was instructed (replacements included). */
    final Map<Integer, ClientInstruction> instructions = new TreeMap<>();
    /**
     * Sorted by client id so a buffered aggregation's order, and so its floating-point sums, are
     * reproducible. Under a folding aggregation they are kept without their models.
     */
    final Map<Integer, ReceivedUpdate> updates = new TreeMap<>();
    /** The counted clients in the order their updates were folded: checkpoints record them so, and a restore refolds them so. */
    final List<Integer> arrival = new ArrayList<>();
    /** The round's running sums when the strategy folds its updates; null when it buffers them (or never aggregates). */
    final RoundAggregator folding;
    /** Whether counted updates keep their models until the round closes (a buffering aggregation). */
    final boolean keepsModels;
    /**
     * When each worker's latest counted update of this round was handled, for the round's time
     * breakdown ({@link RoundTimeBreakdown}); not checkpointed, so a round resumed after a restart has none.
     */
    final Map<String, Instant> lastUpdateAt = new java.util.HashMap<>();
    /** 0 for the first issue of the tasks, +1 per retry after a missed deadline. */
    int attempt;
    Instant deadline;
    /**
     * False while this attempt's tasks are decided but not yet committed: the coordinator commits a
     * round's close before the next round's tasks ({@link JobState#deferRoundTasks}), and a restore in
     * between publishes them ({@link FederationEngine#restore}).
     */
    boolean tasksPublished = true;

    /**
     * @param folding     the strategy's folding aggregation of this round, or null
     * @param keepsModels whether updates keep their models (for a buffering aggregation; never with {@code folding})
     */
    RoundState(int round, RoundPlan plan, Instant startedAt, Instant deadline, RoundAggregator folding,
               boolean keepsModels) {
        this.round = round;
        this.folding = folding;
        this.keepsModels = keepsModels && folding == null;
        this.plan = plan;
        this.startedAt = startedAt;
        this.deadline = deadline;
        plan.instructions().forEach(this::ask);
    }

    /**
     * A new round of {@code job}: a training round folds its updates when the strategy can
     * ({@link io.fedarch.core.strategy.Strategy#foldsUpdates}) and buffers them otherwise; a
     * personalization round keeps none of their models (each is published, never aggregated).
     *
     * @param mayFold false to buffer whatever the strategy can ({@link EngineSettings#foldUpdates})
     */
    static RoundState open(JobState job, int round, RoundPlan plan, Instant startedAt, Instant deadline,
                           boolean mayFold) {
        boolean training = job.phase != JobPhase.PERSONALIZING;
        RoundAggregator folding = training && mayFold && job.strategy.foldsUpdates(job.spec)
                ? job.strategy.foldingAggregator(job.spec, round, job.global, job.state) : null;
        return new RoundState(round, plan, startedAt, deadline, folding, training);
    }

    /**
     * Counts a checked update: folds its model into the running sums and keeps the rest, or keeps
     * it whole for a buffering aggregation.
     *
     * @throws IllegalArgumentException when the folding aggregation cannot take it
     */
    void count(int clientId, ReceivedUpdate update) {
        if (folding != null) {
            folding.add(update.result());
        }
        updates.put(clientId, keepsModels ? update : update.withoutModel());
        arrival.add(clientId);
    }

    /** Bytes of model data the round holds for its counted updates: the running sums, or every buffered model. */
    public long retainedModelBytes() {
        long bytes = folding == null ? 0 : folding.retainedBytes();
        for (ReceivedUpdate update : updates.values()) {
            bytes += update.modelBytes();
        }
        return bytes;
    }

    /** Records that {@code instruction}'s client is asked in this round. */
    void ask(ClientInstruction instruction) {
        asked.add(instruction.clientId());
        instructions.put(instruction.clientId(), instruction);
    }

    public int round() {
        return round;
    }

    public int attempt() {
        return attempt;
    }

    public Instant deadline() {
        return deadline;
    }

    /** The updates counted so far, by client. */
    public Map<Integer, ReceivedUpdate> updates() {
        return java.util.Collections.unmodifiableMap(updates);
    }

    /** Whether the client was asked in some attempt of this round; a late answer to an earlier attempt still counts. */
    boolean selected(int clientId) {
        return asked.contains(clientId);
    }

    /** The round needs as many updates as the strategy selected clients, whichever attempt they answer. */
    public int expectedUpdates() {
        return plan.clients().size();
    }

    boolean complete() {
        return updates.size() >= expectedUpdates();
    }

    long elapsedMs(Instant now) {
        return Math.max(0, now.toEpochMilli() - startedAt.toEpochMilli());
    }
}
