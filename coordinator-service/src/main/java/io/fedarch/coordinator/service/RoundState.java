package io.fedarch.coordinator.service;

import java.time.Instant;
import java.util.Map;
import java.util.TreeMap;

import io.fedarch.core.strategy.RoundPlan;

/** One open round: who was asked, by when, and what has come back so far. */
final class RoundState {
    final int round;
    final RoundPlan plan;
    final Instant deadline;
    final long startedNanos = System.nanoTime();
    /** Sorted by client id so aggregation order, and so floating-point sums, are reproducible. */
    final Map<Integer, ReceivedUpdate> updates = new TreeMap<>();

    RoundState(int round, RoundPlan plan, Instant deadline) {
        this.round = round;
        this.plan = plan;
        this.deadline = deadline;
    }

    boolean selected(int clientId) {
        return plan.clients().contains(clientId);
    }

    boolean complete() {
        return updates.size() == plan.clients().size();
    }
}
