package io.fedarch.core.federation;

import java.time.Duration;
import java.time.Instant;
import java.util.Collection;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

import io.fedarch.core.strategy.TaskPhases;
import io.fedarch.events.ClientMetrics;

/**
 * The workers' side of a synchronous round's time breakdown, folded from the phases each update
 * reports ({@link TaskPhases}, {@link ClientTaskExecution#TASK_MS}) into RoundMetrics.custom. Every
 * figure is the mean over the round's workers (W = the distinct workers whose updates were counted):
 * the round's wall time is the time each worker had, so a worker's share of it is either one of its
 * tasks' phases, waiting for the round's last update after its own last one ({@link #WAIT_MS}), or
 * the rest (delivery of its tasks and updates through the broker, which the reader computes as the
 * difference). A round with an update that reported no phases (an older worker), or resumed after a
 * restart (the arrival times are not checkpointed), gets no breakdown.
 */
public final class RoundTimeBreakdown {
    /** RoundMetrics.custom key: W, the distinct workers whose updates the round counted. */
    public static final String WORKERS = "time.workers";
    /** Prefix of the per-phase keys: {@code time.} + {@link TaskPhases.Phase#key()}, mean milliseconds per worker. */
    public static final String PHASE_PREFIX = "time.";
    /** Mean per worker of the task time no phase accounts for (the procedure's own bookkeeping). */
    public static final String CLIENT_OTHER_MS = "time.clientOtherMs";
    /** Mean per worker of the time from the worker's last counted update to the round's last (straggler wait). */
    public static final String WAIT_MS = "time.waitMs";

    private RoundTimeBreakdown() {
    }

    /**
     * @param lastUpdateAt when each worker's last counted update was handled
     * @param closedAt     when the round's last update was handled (the end of its round_ms)
     * @return the breakdown's keys, or none when an update or an arrival time is missing
     */
    static Map<String, Double> of(Collection<ReceivedUpdate> updates, Map<String, Instant> lastUpdateAt,
                                  Instant closedAt) {
        Set<String> workers = new HashSet<>();
        Map<String, Double> sums = new LinkedHashMap<>();
        for (TaskPhases.Phase phase : TaskPhases.Phase.values()) {
            sums.put(PHASE_PREFIX + phase.key(), 0.0);
        }
        double other = 0;
        for (ReceivedUpdate update : updates) {
            ClientMetrics metrics = update.metrics();
            Double taskMs = metrics == null ? null : metrics.getCustom().get(ClientTaskExecution.TASK_MS);
            if (taskMs == null || !lastUpdateAt.containsKey(String.valueOf(update.workerId()))) {
                return Map.of();
            }
            workers.add(String.valueOf(update.workerId()));
            double phases = 0;
            for (TaskPhases.Phase phase : TaskPhases.Phase.values()) {
                double ms = metrics.getCustom().getOrDefault(phase.key(), 0.0);
                sums.merge(PHASE_PREFIX + phase.key(), ms, Double::sum);
                phases += ms;
            }
            other += taskMs - phases;
        }
        if (workers.isEmpty()) {
            return Map.of();
        }
        double wait = 0;
        for (String worker : workers) {
            wait += Duration.between(lastUpdateAt.get(worker), closedAt).toNanos() / 1e6;
        }
        int w = workers.size();
        Map<String, Double> out = new LinkedHashMap<>();
        out.put(WORKERS, (double) w);
        sums.forEach((key, sum) -> out.put(key, sum / w));
        out.put(CLIENT_OTHER_MS, other / w);
        out.put(WAIT_MS, wait / w);
        return out;
    }
}
