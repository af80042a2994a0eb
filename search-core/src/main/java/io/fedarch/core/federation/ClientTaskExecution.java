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
import io.fedarch.core.tensor.ModelParameters;
import io.fedarch.core.tensor.TensorCodec;
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
    private final StrategyRegistry strategies;
    private final ShardProvider shards;
    private final String workerId;

    public ClientTaskExecution(StrategyRegistry strategies, ShardProvider shards, String workerId) {
        this.strategies = strategies;
        this.shards = shards;
        this.workerId = workerId;
    }

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
        Strategy strategy;
        try {
            strategy = strategies.get(task.getSpec().getAlgorithm());
        } catch (IllegalArgumentException e) {
            throw new TaskRejectedException(e.getMessage());
        }
        long start = System.nanoTime();
        ModelParameters global;
        try {
            global = TensorCodec.fromAvro(task.getGlobalModel());
        } catch (IllegalArgumentException e) {
            throw new TaskRejectedException("global model of task " + task.getEventId() + " is malformed: "
                    + e.getMessage());
        }
        ModelParameters payload;
        try {
            payload = task.getPayload() == null ? null : TensorCodec.fromAvro(task.getPayload());
        } catch (IllegalArgumentException e) {
            throw new TaskRejectedException("payload of task " + task.getEventId() + " is malformed: "
                    + e.getMessage());
        }
        ClientShard shard = shards.shard(task.getSpec(), task.getClientId());
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
        ModelState state = TensorCodec.toAvro(sent, task.getSpec().getTensorDType());
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
