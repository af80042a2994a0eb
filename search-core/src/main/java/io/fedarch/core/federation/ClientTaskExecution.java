package io.fedarch.core.federation;

import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import java.util.UUID;

import io.fedarch.core.data.ClientShard;
import io.fedarch.core.data.ShardProvider;
import io.fedarch.core.strategy.ClientOutcome;
import io.fedarch.core.strategy.ClientTaskContext;
import io.fedarch.core.strategy.Personalization;
import io.fedarch.core.strategy.RoundPlan;
import io.fedarch.core.strategy.SimulatedAttacks;
import io.fedarch.core.strategy.Strategy;
import io.fedarch.core.strategy.StrategyRegistry;
import io.fedarch.core.strategy.TaskPhases;
import io.fedarch.core.strategy.TaskPhases.Phase;
import io.fedarch.core.tensor.ModelParameters;
import io.fedarch.core.tensor.TensorCodec;
import io.fedarch.core.tensor.compression.WireCompression;
import io.fedarch.events.ClientMetrics;
import io.fedarch.events.ClientTask;
import io.fedarch.events.ClientUpdate;
import io.fedarch.events.ModelState;

/**
 * The client side of one task, free of Kafka: derive the client's shard (the same on every worker),
 * run the job strategy's client procedure on it, and build the update with its sample count and
 * metrics. A personalization task (after the last round) runs the strategy's local adaptation
 * instead and adds the client's local test figures; the local test split never leaves the client.
 * The worker service publishes what this returns; the in-process transport feeds it to the engine.
 */
public final class ClientTaskExecution {
    /**
     * ClientMetrics.custom key: milliseconds from the task record's arrival (decoding included) to its
     * update encoded; the {@link TaskPhases} keys divide it, and what they leave is the task's other work.
     */
    public static final String TASK_MS = "taskMs";

    private final StrategyRegistry strategies;
    private final ShardProvider shards;
    private final String workerId;
    private final UplinkResiduals residuals;

    /** Keeps up to {@link #DEFAULT_RESIDUAL_BYTES} of compressed updates' residuals. */
    public ClientTaskExecution(StrategyRegistry strategies, ShardProvider shards, String workerId) {
        this(strategies, shards, workerId, new UplinkResiduals(DEFAULT_RESIDUAL_BYTES));
    }

    public ClientTaskExecution(StrategyRegistry strategies, ShardProvider shards, String workerId,
                               UplinkResiduals residuals) {
        this.strategies = strategies;
        this.shards = shards;
        this.workerId = workerId;
        this.residuals = residuals;
    }

    /**
     * Residual memory per worker by default: 256 MiB, e.g. 150 clients of the default 215k-parameter CNN (each
     * keeps two copies: the residual its last task started from and the one it left), an eighth of a worker's
     * 2 GiB heap.
     */
    public static final long DEFAULT_RESIDUAL_BYTES = 256L << 20;

    /** ClientMetrics.custom: payload bytes of the model the task carried (the downlink's share of a client-round). */
    public static final String TASK_MODEL_BYTES = "taskModelBytes";

    /**
     * @param update          the update to publish; its metrics' {@code custom} map is mutable, for figures the caller adds
     * @param outcome         what the client procedure returned
     * @param personalization whether the task was the personalization stage's
     * @param hostile         whether the update was manipulated (JobSpec.simulatedAttack; robustness experiments only)
     */
    public record Executed(ClientUpdate update, ClientOutcome outcome, boolean personalization, boolean hostile) {
    }

    /** @throws TaskRejectedException when the task cannot be run (unknown algorithm, malformed model or mask) */
    public Executed run(ClientTask task) {
        return run(task, 0);
    }

    /**
     * Runs the task and puts its {@link TaskPhases} into the update's custom metrics, with
     * {@link #TASK_MS} for the whole of it; {@code recordDecodeNanos} is the time the caller spent
     * decoding the task record, counted as the first part of {@link TaskPhases.Phase#TASK_DECODE}.
     *
     * @throws TaskRejectedException when the task cannot be run (unknown algorithm, malformed model or mask)
     */
    public Executed run(ClientTask task, long recordDecodeNanos) {
        try (TaskPhases.Recording phases = TaskPhases.record()) {
            phases.add(TaskPhases.Phase.TASK_DECODE, recordDecodeNanos);
            long taskStart = System.nanoTime() - recordDecodeNanos;
            Executed executed = execute(task);
            Map<String, Double> custom = executed.update().getMetrics().getCustom();
            custom.putAll(phases.millis());
            custom.put(TASK_MS, (System.nanoTime() - taskStart) / 1e6);
            return executed;
        }
    }

    private Executed execute(ClientTask task) {
        Strategy strategy;
        try {
            strategy = strategies.get(task.getSpec().getAlgorithm());
        } catch (IllegalArgumentException e) {
            throw new TaskRejectedException(e.getMessage());
        }
        long start = System.nanoTime();
        ModelParameters global = TaskPhases.time(Phase.TASK_DECODE, () -> {
            try {
                return TensorCodec.fromAvro(task.getGlobalModel());
            } catch (IllegalArgumentException e) {
                throw new TaskRejectedException("global model of task " + task.getEventId() + " is malformed: "
                        + e.getMessage());
            }
        });
        ModelParameters payload = TaskPhases.time(Phase.TASK_DECODE, () -> {
            try {
                return task.getPayload() == null ? null : TensorCodec.fromAvro(task.getPayload());
            } catch (IllegalArgumentException e) {
                throw new TaskRejectedException("payload of task " + task.getEventId() + " is malformed: "
                        + e.getMessage());
            }
        });
        ClientShard shard = TaskPhases.time(Phase.TASK_DECODE, () -> shards.shard(task.getSpec(), task.getClientId()));
        ClientTaskContext context = new ClientTaskContext(task.getSpec(), task.getRound(), task.getRoundConfig(),
                payload, global, shard, () -> shards.localTestSet(task.getSpec(), task.getClientId()));
        ClientOutcome outcome;
        Map<String, Double> custom = new HashMap<>();
        boolean personalization = RoundPlan.isPersonalization(task.getRoundConfig());
        if (personalization) {
            Personalization adapted = strategy.clientProcedure().personalize(context,
                    shards.localTestSet(task.getSpec(), task.getClientId()));
            outcome = adapted.adaptation();
            custom.putAll(outcome.custom());
            custom.put(Personalization.LOCAL_TEST_ACCURACY, adapted.localTest().accuracy());
            custom.put(Personalization.LOCAL_TEST_LOSS, adapted.localTest().loss());
            custom.put(Personalization.LOCAL_TEST_SAMPLES, (double) adapted.localTest().samples());
            custom.put(Personalization.GLOBAL_LOCAL_TEST_ACCURACY, adapted.globalLocalTest().accuracy());
        } else {
            outcome = strategy.clientProcedure().run(context);
            custom.putAll(outcome.custom());
        }
        ModelParameters sent = outcome.parameters();
        boolean hostile = !personalization && SimulatedAttacks.isHostile(task.getSpec(), task.getClientId());
        if (hostile) {
            // Robustness experiments only (JobSpec.simulatedAttack): this client sends a manipulated update.
            sent = SimulatedAttacks.manipulate(task.getSpec(), global, sent);
        }
        ModelParameters toSend = sent;
        ModelState state = TaskPhases.time(Phase.UPDATE_ENCODE, () -> {
            if (!personalization && WireCompression.active(task.getSpec())) {
                // A difference to the model the task carried, plus what this client's last update dropped.
                ModelParameters carried = residuals.forTask(task.getJobId(), task.getClientId(), task.getRound(),
                        task.getEventId());
                WireCompression.Encoded encoded = WireCompression.update(toSend, global, carried,
                        task.getSpec().getCompression(), task.getSpec().getTensorDType());
                residuals.record(task.getJobId(), task.getClientId(), task.getRound(), task.getEventId(), carried,
                        encoded.residual());
                return encoded.state();
            }
            return TensorCodec.toAvro(toSend, task.getSpec().getTensorDType());
        });
        custom.put(TASK_MODEL_BYTES, (double) TensorCodec.encodedBytes(task.getGlobalModel()));
        long computeMs = (System.nanoTime() - start) / 1_000_000;
        ClientUpdate update = ClientUpdate.newBuilder()
                .setEventId(UUID.randomUUID().toString())
                .setJobId(task.getJobId())
                .setTimestamp(Instant.now())
                .setTaskEventId(task.getEventId())
                .setRound(task.getRound())
                .setClientId(task.getClientId())
                .setAttempt(task.getAttempt())
                .setBaseModelVersion(task.getModelVersion())
                .setWorkerId(workerId)
                .setSampleCount(outcome.sampleCount())
                .setModelState(state)
                .setMetrics(ClientMetrics.newBuilder()
                        .setTrainLoss(outcome.trainLoss())
                        .setTrainAccuracy(outcome.trainAccuracy())
                        .setValidationLoss(outcome.validationLoss())
                        .setValidationAccuracy(outcome.validationAccuracy())
                        .setGlobalValidationAccuracy(outcome.globalValidationAccuracy())
                        .setValidationSamples(outcome.validationSamples())
                        .setSteps(outcome.steps())
                        .setComputeMs(computeMs)
                        .setUpdateBytes(TensorCodec.encodedBytes(state))
                        .setCustom(custom)
                        .build())
                .build();
        return new Executed(update, outcome, personalization, hostile);
    }
}
