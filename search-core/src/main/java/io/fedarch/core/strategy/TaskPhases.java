package io.fedarch.core.strategy;

import java.util.EnumMap;
import java.util.Map;
import java.util.function.Supplier;

/**
 * Where a client task's time goes, measured on the worker and sent in {@code ClientMetrics.custom}
 * (milliseconds, under {@link Phase#key()}), so the round's time breakdown in {@code rounds.csv} is
 * built from the events alone. A client procedure wraps its steps in {@link #time}; the task's
 * runner opens a {@link Recording} around the whole task on the same thread. Outside a recording
 * (in-process tools, tests) {@link #time} only runs the step.
 */
public final class TaskPhases {
    /** The steps of a client task; compute is {@link #EVALUATE_GLOBAL}, {@link #TRAIN} and {@link #EVALUATE_LOCAL}. */
    public enum Phase {
        /** Avro decoding of the task record and of its model and payload into tensors, and the client's shard. */
        TASK_DECODE("taskDecodeMs"),
        /** Building the network in the engine and loading the received parameters into it. */
        LOAD("loadMs"),
        /** The received global model on the local validation split (with BN statistics re-measured, where it has BN). */
        EVALUATE_GLOBAL("evalGlobalMs"),
        /** Local training or search (every optimiser step), or a statistics pass. */
        TRAIN("trainMs"),
        /** The trained model on the local validation split. */
        EVALUATE_LOCAL("evalLocalMs"),
        /** Reading the trained parameters out of the engine and encoding them as the update's tensors. */
        UPDATE_ENCODE("updateEncodeMs");

        private final String key;

        Phase(String key) {
            this.key = key;
        }

        /** The ClientMetrics.custom key its milliseconds travel under. */
        public String key() {
            return key;
        }

        /** Whether it is client compute (evaluation or training) rather than platform overhead. */
        public boolean compute() {
            return this == EVALUATE_GLOBAL || this == TRAIN || this == EVALUATE_LOCAL;
        }
    }

    private static final ThreadLocal<Recording> CURRENT = new ThreadLocal<>();

    private TaskPhases() {
    }

    /** Runs {@code step}, adding its wall time to {@code phase} of this thread's recording, if any. */
    public static <T> T time(Phase phase, Supplier<T> step) {
        Recording recording = CURRENT.get();
        if (recording == null) {
            return step.get();
        }
        long start = System.nanoTime();
        try {
            return step.get();
        } finally {
            recording.add(phase, System.nanoTime() - start);
        }
    }

    /** Runs {@code step} like {@link #time(Phase, Supplier)}. */
    public static void time(Phase phase, Runnable step) {
        time(phase, () -> {
            step.run();
            return null;
        });
    }

    /** Starts recording this thread's phases; close it on the same thread. */
    public static Recording record() {
        Recording recording = new Recording(CURRENT.get());
        CURRENT.set(recording);
        return recording;
    }

    /** The phases of one task, in nanoseconds, until closed. */
    public static final class Recording implements AutoCloseable {
        private final Recording outer;
        private final Map<Phase, Long> nanos = new EnumMap<>(Phase.class);

        private Recording(Recording outer) {
            this.outer = outer;
        }

        /** Adds time measured outside {@link #time} (e.g. decoding before the recording could start). */
        public void add(Phase phase, long elapsedNanos) {
            nanos.merge(phase, elapsedNanos, Long::sum);
        }

        /** Every phase that took place, in milliseconds (fractional), keyed by {@link Phase#key()}. */
        public Map<String, Double> millis() {
            Map<String, Double> out = new java.util.LinkedHashMap<>();
            nanos.forEach((phase, ns) -> out.put(phase.key(), ns / 1e6));
            return out;
        }

        @Override
        public void close() {
            if (outer == null) {
                CURRENT.remove();
            } else {
                CURRENT.set(outer);
            }
        }
    }
}
