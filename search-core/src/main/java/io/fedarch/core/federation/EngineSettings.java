package io.fedarch.core.federation;

import java.time.Duration;

/**
 * The engine's deployment settings (the coordinator reads them from its configuration).
 *
 * @param betweenRoundsWait how long a job waits for its between-rounds result (FedMetaNAS's mask)
 *                          before the next round goes on with the current state rather than stall
 * @param resumeGrace       a resumed round gets at least this long (capped at its job's round
 *                          deadline) to drain the updates that queued up while the coordinator was down
 * @param maxMessageBytes   the largest message the transport carries; a task that would not fit fails the job
 * @param limits            bounds on what a job spec may ask for, checked at submission
 * @param foldUpdates       whether rounds of strategies that can fold their updates into running sums do
 *                          (the default); false buffers every update until the round closes, as before
 *                          issue 19 — kept only so the scale benchmark can measure both in one build
 */
public record EngineSettings(Duration betweenRoundsWait, Duration resumeGrace, int maxMessageBytes, JobLimits limits,
                             boolean foldUpdates) {
    /** Room for everything in a task besides the tensors: ids, the job spec, the round config. */
    public static final int TASK_ENVELOPE_BYTES = 256 * 1024;

    public EngineSettings(Duration betweenRoundsWait, Duration resumeGrace, int maxMessageBytes, JobLimits limits) {
        this(betweenRoundsWait, resumeGrace, maxMessageBytes, limits, true);
    }

    public EngineSettings(Duration betweenRoundsWait, Duration resumeGrace, int maxMessageBytes) {
        this(betweenRoundsWait, resumeGrace, maxMessageBytes, JobLimits.DEFAULTS);
    }

    public static EngineSettings defaults() {
        return new EngineSettings(Duration.ofMinutes(2), Duration.ofSeconds(30), 67_108_864);
    }
}
