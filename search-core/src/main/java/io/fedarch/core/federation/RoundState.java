package io.fedarch.core.federation;

import java.time.Instant;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

import io.fedarch.core.strategy.ClientInstruction;
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
    /** Sorted by client id so aggregation order, and so floating-point sums, are reproducible. */
    final Map<Integer, ReceivedUpdate> updates = new TreeMap<>();
    /** 0 for the first issue of the tasks, +1 per retry after a missed deadline. */
    int attempt;
    Instant deadline;

    RoundState(int round, RoundPlan plan, Instant startedAt, Instant deadline) {
        this.round = round;
        this.plan = plan;
        this.startedAt = startedAt;
        this.deadline = deadline;
        plan.instructions().forEach(this::ask);
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
