package io.fedarch.core.federation;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

import io.fedarch.core.model.ModelFactory;
import io.fedarch.core.model.ModelSize;
import io.fedarch.core.strategy.HyperParameter;
import io.fedarch.core.strategy.Strategy;
import io.fedarch.core.tensor.compression.WireCompression;
import io.fedarch.events.DType;
import io.fedarch.events.JobSpec;
import io.fedarch.events.UpdateCodec;

/**
 * Upper bounds on every size a job spec controls, and the worst-case cost of the job checked
 * against the deployment's budgets before anything is allocated for it: a hostile or mistaken spec
 * is refused with its reason instead of exhausting the coordinator's or a worker's memory, wedging
 * a checkpoint that can never be written, or keeping every worker busy for days.
 *
 * @param maxTotalClients    clients in the federation (several strategies keep per-client state)
 * @param maxClientsPerRound tasks one round publishes at once
 * @param maxRounds          rounds of one job
 * @param maxEpochs          local epochs, personalization epochs, and every knob counting epochs or steps
 * @param maxBatchSize       images per batch
 * @param maxRoundDeadline   the longest round deadline (also keeps timestamps far from overflow)
 * @param maxRoundAttempts   attempts per round
 * @param maxSpecBytes       the encoded job spec, which travels in every task and checkpoint
 * @param maxKnobValue       any other whole-number knob
 * @param workerMemoryBytes  what one worker may use for a task; the task's estimated peak must fit
 * @param coordinatorMemoryBytes what the coordinator may hold for one job's open round: a job whose
 *                           aggregation buffers every update (a robust rule, per-client state) needs
 *                           clientsPerRound FP32 models of it and is refused above it
 */
public record JobLimits(int maxTotalClients, int maxClientsPerRound, int maxRounds, int maxEpochs, int maxBatchSize,
                        Duration maxRoundDeadline, int maxRoundAttempts, int maxSpecBytes, int maxKnobValue,
                        long workerMemoryBytes, long coordinatorMemoryBytes) {

    /** A quarter of the local stack's coordinator heap (768 MiB), the rest left to the other jobs and to Kafka's buffers. */
    public static final long DEFAULT_COORDINATOR_MEMORY_BYTES = 192L << 20;

    /** Generous for every recorded run (≤ 100 clients, ≤ 30 rounds, ≤ 1 GB per task), tight enough to keep a service alive. */
    public static final JobLimits DEFAULTS = new JobLimits(100_000, 1_000, 10_000, 100, 4_096, Duration.ofDays(7),
            100, 1 << 20, 100_000, 16L << 30, DEFAULT_COORDINATOR_MEMORY_BYTES);

    /** Limits with the default coordinator memory budget. */
    public JobLimits(int maxTotalClients, int maxClientsPerRound, int maxRounds, int maxEpochs, int maxBatchSize,
                     Duration maxRoundDeadline, int maxRoundAttempts, int maxSpecBytes, int maxKnobValue,
                     long workerMemoryBytes) {
        this(maxTotalClients, maxClientsPerRound, maxRounds, maxEpochs, maxBatchSize, maxRoundDeadline,
                maxRoundAttempts, maxSpecBytes, maxKnobValue, workerMemoryBytes, DEFAULT_COORDINATOR_MEMORY_BYTES);
    }

    /** Room in a checkpoint besides the model tensors, the spec and the strategy's state: ids, counters. */
    static final int CHECKPOINT_ENVELOPE_BYTES = 16 * 1024;
    /** A round's bookkeeping per asked client in a checkpoint (its id, and the place of its counted update). */
    static final int CHECKPOINT_BYTES_PER_CLIENT = 128;

    /**
     * What is wrong with the spec's own sizes, one entry per problem; empty when they fit. Runs
     * before the strategy looks at the spec, so no check of its sizes meets an unbounded one.
     */
    public List<String> specProblems(JobSpec spec, Strategy strategy) {
        List<String> problems = new ArrayList<>();
        atMost(problems, "totalClients", spec.getTotalClients(), maxTotalClients);
        atMost(problems, "clientsPerRound", spec.getClientsPerRound(), maxClientsPerRound);
        atMost(problems, "rounds", spec.getRounds(), maxRounds);
        atMost(problems, "localEpochs", spec.getLocalEpochs(), maxEpochs);
        atMost(problems, "personalizationEpochs", spec.getPersonalizationEpochs(), maxEpochs);
        atMost(problems, "batchSize", spec.getBatchSize(), maxBatchSize);
        atMost(problems, "maxRoundAttempts", spec.getMaxRoundAttempts(), maxRoundAttempts);
        if (spec.getRoundDeadlineMs() > maxRoundDeadline.toMillis()) {
            problems.add("roundDeadlineMs " + spec.getRoundDeadlineMs() + " exceeds the limit "
                    + maxRoundDeadline.toMillis() + " (" + maxRoundDeadline + ")");
        }
        if (spec.getAsyncAggregation() != null) {
            atMost(problems, "asyncAggregation.bufferSize", spec.getAsyncAggregation().getBufferSize(),
                    maxClientsPerRound);
            atMost(problems, "asyncAggregation.concurrency", spec.getAsyncAggregation().getConcurrency(),
                    maxClientsPerRound);
        }
        knobs(spec, strategy, problems);
        int specBytes = specBytes(spec);
        if (specBytes > maxSpecBytes) {
            problems.add("the encoded spec is " + specBytes + " bytes, above the limit " + maxSpecBytes
                    + " (it travels in every task and checkpoint)");
        }
        return problems;
    }

    /**
     * What is wrong with the model's worst cases, one entry per problem; empty when it fits. Runs
     * after the strategy accepted the spec (so its model options parse).
     *
     * @param parameters      the model's element count ({@link ModelSize#parameters}, measured once by the caller)
     * @param maxMessageBytes the largest message the transport carries (checkpoints and tasks must fit)
     */
    public List<String> modelProblems(JobSpec spec, long parameters, int maxMessageBytes) {
        List<String> problems = new ArrayList<>();
        model(spec, parameters, specBytes(spec), maxMessageBytes, problems);
        return problems;
    }

    /**
     * What is wrong with the strategy's state in a checkpoint (per-client policies or counters grow
     * with totalClients); run after the strategy accepted the spec, whose sizes are bounded by then.
     */
    public List<String> stateProblems(JobSpec spec, Strategy strategy, long parameters, int maxMessageBytes) {
        long state = stateBytes(spec, strategy);
        long checkpoint = checkpointBytes(spec, parameters, specBytes(spec)) + state;
        if (state > 0 && checkpoint > maxMessageBytes) {
            return List.of("its checkpoint would be about " + mib(checkpoint) + " of which " + mib(state)
                    + " is " + strategy.name() + "'s server state, above the " + mib(maxMessageBytes)
                    + " message limit: use fewer totalClients");
        }
        return List.of();
    }

    /**
     * What is wrong with what the coordinator holds for one open round; empty when it fits. A round
     * whose strategy folds its updates holds the running sums (8 bytes per parameter) whatever its
     * number of clients; one that buffers them (robust rules, strategies with per-client state:
     * {@link Strategy#foldsUpdates} false) holds clientsPerRound FP32 models (quorum does not lower
     * it: a round may still hear from every selected client before it closes). FedBuff folds its buffer.
     */
    public List<String> roundMemoryProblems(JobSpec spec, Strategy strategy, long parameters) {
        boolean buffers = spec.getAsyncAggregation() == null && !strategy.foldsUpdates(spec);
        if (!buffers) {
            return List.of();
        }
        long held = 4 * parameters * spec.getClientsPerRound();
        if (held > coordinatorMemoryBytes) {
            String rule = spec.getRobustAggregation() != null
                    ? "its robust rule " + spec.getRobustAggregation().getRule() : strategy.name() + "'s aggregation";
            return List.of(rule + " needs every update of a round at once: " + spec.getClientsPerRound()
                    + " clients × " + parameters + " parameters at FP32 = " + mib(held)
                    + " held by the coordinator, above its budget " + mib(coordinatorMemoryBytes)
                    + " (fedarch.limits.coordinator-memory-bytes): use fewer clientsPerRound, a smaller model, or the "
                    + "sample-weighted mean, which folds each update into running sums as it arrives");
        }
        return List.of();
    }

    private static long stateBytes(JobSpec spec, Strategy strategy) {
        io.fedarch.events.StrategyState encoded = io.fedarch.core.strategy.ServerStateCodec.toAvro(
                strategy.initialState(spec));
        if (encoded == null) {
            return 0;                                          // no server state
        }
        try {
            return encoded.toByteBuffer().remaining();
        } catch (java.io.IOException e) {
            throw new IllegalStateException("a strategy state could not be encoded", e);
        }
    }

    /**
     * The FP32 global model, FedBuff's base models (one per concurrent task at most), a compressed
     * downlink's broadcast and residual, the spec, a round's bookkeeping.
     */
    private static long checkpointBytes(JobSpec spec, long parameters, int specBytes) {
        int baseModels = spec.getAsyncAggregation() == null ? 0
                : AsyncState.concurrency(spec.getAsyncAggregation(), spec.getClientsPerRound());
        // A compressed downlink keeps its latest broadcast (at most the dense FP32 size) and its FP32 residual.
        int downlink = spec.getCompression() != null && spec.getCompression().getDownlink() != UpdateCodec.NONE ? 2 : 0;
        return 4 * parameters * (1 + baseModels + downlink) + specBytes + CHECKPOINT_ENVELOPE_BYTES
                + (long) CHECKPOINT_BYTES_PER_CLIENT * spec.getClientsPerRound() * Math.max(1, spec.getMaxRoundAttempts());
    }

    /** Whole-number knobs: epochs and steps within maxEpochs, the rest within maxKnobValue. */
    private void knobs(JobSpec spec, Strategy strategy, List<String> problems) {
        if (spec.getHyperParameters() == null) {
            return;
        }
        Map<String, HyperParameter> declared = new TreeMap<>();
        strategy.hyperParameters().forEach(knob -> declared.put(knob.name(), knob));
        new TreeMap<>(spec.getHyperParameters()).forEach((key, value) -> {
            HyperParameter knob = declared.get(key.toString());
            if (knob == null || knob.kind() != HyperParameter.Kind.WHOLE_NUMBER || value == null
                    || value.toString().isBlank()) {
                return;
            }
            long number;
            try {
                number = Long.parseLong(value.toString().trim());
            } catch (NumberFormatException e) {
                return;                                        // the knob's own check names it
            }
            String name = knob.name();
            boolean counting = name.endsWith("Epochs") || name.endsWith("Steps");
            atMost(problems, "hyperParameters." + name, number, counting ? maxEpochs : maxKnobValue);
        });
    }

    /**
     * The model's worst cases, from its parameter count (measured without allocating it): the FP32
     * checkpoint (the global model and, under FedBuff, up to one base model per concurrent task),
     * a task on the wire in the job's dtype, and a worker's peak memory while training it.
     */
    private void model(JobSpec spec, long parameters, int specBytes, int maxMessageBytes, List<String> problems) {
        int baseModels = spec.getAsyncAggregation() == null ? 0
                : AsyncState.concurrency(spec.getAsyncAggregation(), spec.getClientsPerRound());
        long checkpoint = checkpointBytes(spec, parameters, specBytes);
        if (checkpoint > maxMessageBytes) {
            problems.add("its checkpoint would be about " + mib(checkpoint) + " (" + parameters
                    + " parameters at FP32" + (baseModels > 0 ? " × " + (1 + baseModels) + " models under FedBuff" : "")
                    + "), above the " + mib(maxMessageBytes) + " message limit; checkpoints keep FP32 whatever "
                    + "tensorDType says: use a smaller model");
        }
        int bytesPerValue = spec.getTensorDType() == DType.FP16 ? 2 : 4;
        long task = bytesPerValue * parameters + specBytes + EngineSettings.TASK_ENVELOPE_BYTES;
        if (task > maxMessageBytes) {
            problems.add("a task would carry about " + mib(task) + ", above the " + mib(maxMessageBytes)
                    + " message limit");
        }
        // Only TOPK can make an update larger than the dense task checked above.
        long update = updateBytes(spec, parameters) + EngineSettings.TASK_ENVELOPE_BYTES;
        if (updateBytes(spec, parameters) > bytesPerValue * parameters && update > maxMessageBytes) {
            problems.add("an update would carry about " + mib(update) + ", above the " + mib(maxMessageBytes)
                    + " message limit");
        }
        Optional<Long> activations = activationsPerImage(spec);
        long peak = 16 * parameters + 4L * spec.getBatchSize() * activations.orElse(0L);
        if (peak > workerMemoryBytes) {
            problems.add("training it would need about " + mib(peak) + " on a worker (weights, gradients, momentum "
                    + "and the received model: " + mib(16 * parameters) + activations.map(a -> "; activations of a "
                    + "batch of " + spec.getBatchSize() + ": " + mib(4L * spec.getBatchSize() * a)).orElse("")
                    + "), above the worker budget " + mib(workerMemoryBytes) + ": use a smaller model or batchSize");
        }
    }

    /**
     * The most payload a client update can carry: dense values in tensorDType, or under compression
     * the larger of that and TOPK's values and 4-byte indices (INT8's byte per value and a scale per
     * row of at least 16 values never exceed dense). Tensors are compressed whole, so k ≤ fraction·n + 1 each.
     */
    static long updateBytes(JobSpec spec, long parameters) {
        int bytesPerValue = spec.getTensorDType() == DType.FP16 ? 2 : 4;
        long dense = bytesPerValue * parameters;
        if (spec.getCompression() == null || spec.getCompression().getUplink() != UpdateCodec.TOPK) {
            return dense;
        }
        double fraction = Math.min(0.5, Math.max(0, spec.getCompression().getTopKFraction()));
        long sparse = (long) Math.ceil(fraction * parameters * (bytesPerValue + 4))
                + (long) (bytesPerValue + 4) * (parameters / WireCompression.MIN_ELEMENTS + 1);
        return Math.max(dense, sparse);
    }

    private static Optional<Long> activationsPerImage(JobSpec spec) {
        java.util.OptionalLong estimate = ModelFactory.activationsPerImage(spec.getModel());
        return estimate.isPresent() ? Optional.of(estimate.getAsLong()) : Optional.empty();
    }

    static int specBytes(JobSpec spec) {
        try {
            return spec.toByteBuffer().remaining();
        } catch (java.io.IOException e) {
            throw new IllegalStateException("a job spec could not be encoded", e);
        }
    }

    private static void atMost(List<String> problems, String name, long value, long limit) {
        if (value > limit) {
            problems.add(name + " " + value + " exceeds the limit " + limit);
        }
    }

    private static String mib(long bytes) {
        return String.format(java.util.Locale.ROOT, "%.1f MiB", bytes / 1048576.0);
    }
}
