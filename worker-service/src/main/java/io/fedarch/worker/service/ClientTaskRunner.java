package io.fedarch.worker.service;

import java.nio.file.Path;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;

import io.fedarch.core.darts.OperationMask;
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
import io.fedarch.worker.messaging.UpdatePublisher;
import io.fedarch.worker.metrics.WorkerMetrics;

/**
 * Runs one client task: derive the client's shard (the same on every worker), run the job
 * strategy's client procedure on it, and publish the update with its sample count and metrics.
 * A personalization task (after the last round) runs the strategy's local adaptation instead and
 * adds the client's local test figures to the metrics; the local test split never leaves the worker.
 */
@ApplicationScoped
public class ClientTaskRunner {
    private static final Logger LOG = Logger.getLogger(ClientTaskRunner.class);
    /** ClientMetrics.custom key: milliseconds this worker waited to simulate a slower device (fedarch.worker.slowdown-factor). */
    public static final String SIMULATED_SLOWDOWN_MS = "simulatedSlowdownMs";

    private final StrategyRegistry strategies = StrategyRegistry.builtIn();
    private final ShardProvider shards;
    private final String workerId;
    /** Experiments only: this worker behaves like a device this many times slower (fedarch.worker.slowdown-factor). */
    private final SimulatedSlowDevice slowDevice;

    @Inject
    UpdatePublisher publisher;

    @Inject
    WorkerMetrics metrics;

    @Inject
    public ClientTaskRunner(@ConfigProperty(name = "fedarch.data.dir") Path dataDir,
                            @ConfigProperty(name = "fedarch.worker.silo-dir") Optional<Path> siloDir,
                            @ConfigProperty(name = "fedarch.worker.id") Optional<String> workerId,
                            @ConfigProperty(name = "fedarch.worker.slowdown-factor", defaultValue = "1.0")
                            double slowdownFactor) {
        this.shards = new ShardProvider(dataDir, siloDir.orElse(null));
        this.workerId = workerId.orElseGet(WorkerIdentity::describe);
        this.slowDevice = new SimulatedSlowDevice(slowdownFactor);
        LOG.infof("worker %s ready: data %s%s%s", this.workerId, dataDir,
                siloDir.map(d -> ", pinned to silo " + d).orElse(""),
                slowDevice.slows() ? ", simulated slowdown x" + slowDevice.factor() : "");
    }

    public String workerId() {
        return workerId;
    }

    public void run(ClientTask task) {
        if (Instant.now().isAfter(task.getDeadline())) {
            // The coordinator has closed or failed this round already; training now would be wasted work.
            LOG.warnf("skipping task %s (job %s round %d client %d): deadline %s passed", task.getEventId(),
                    task.getJobId(), task.getRound(), task.getClientId(), task.getDeadline());
            metrics.taskSkipped();
            return;
        }
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
        OperationMask mask;
        try {
            mask = task.getSearchMask() == null ? null : OperationMask.fromAvro(task.getSearchMask());
        } catch (IllegalArgumentException e) {
            throw new TaskRejectedException("search mask of task " + task.getEventId() + " is malformed: "
                    + e.getMessage());
        }
        ClientShard shard = shards.shard(task.getSpec(), task.getClientId());
        ClientTaskContext context = new ClientTaskContext(task.getSpec(), task.getRound(), task.getRoundConfig(),
                global, shard, mask);
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
        if (!personalization && SimulatedAttacks.isHostile(task.getSpec(), task.getClientId())) {
            // Robustness experiments only (JobSpec.simulatedAttack): this client sends a manipulated update.
            LOG.warnf("job %s round %d: client %d is a SIMULATED HOSTILE client (%s); its update is manipulated",
                    task.getJobId(), task.getRound(), task.getClientId(), task.getSpec().getSimulatedAttack());
            sent = SimulatedAttacks.manipulate(task.getSpec(), global, sent);
        }
        ModelState state = TensorCodec.toAvro(sent, task.getSpec().getTensorDType());
        long computeMs = (System.nanoTime() - start) / 1_000_000;
        long updateBytes = TensorCodec.encodedBytes(state);
        long slowdownMs = slowDevice.waitAfter(computeMs);
        if (slowdownMs > 0) {
            // computeMs stays the real work; the added wait is reported on its own.
            custom.put(SIMULATED_SLOWDOWN_MS, (double) slowdownMs);
        }

        publisher.publish(ClientUpdate.newBuilder()
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
                        .setUpdateBytes(updateBytes)
                        .setCustom(custom)
                        .build())
                .build());
        metrics.taskCompleted(task.getSpec().getAlgorithm(), computeMs, updateBytes);
        if (personalization) {
            LOG.infof("job %s client %d personalized: local test acc %.4f (global model %.4f) on %.0f images, %d ms",
                    task.getJobId(), task.getClientId(), custom.get(Personalization.LOCAL_TEST_ACCURACY),
                    custom.get(Personalization.GLOBAL_LOCAL_TEST_ACCURACY),
                    custom.get(Personalization.LOCAL_TEST_SAMPLES), computeMs);
            return;
        }
        LOG.infof("job %s round %d client %d: %d samples, %d steps, train loss %.4f, val acc %.4f (global %.4f), %d ms%s",
                task.getJobId(), task.getRound(), task.getClientId(), outcome.sampleCount(), outcome.steps(),
                outcome.trainLoss(), outcome.validationAccuracy(), outcome.globalValidationAccuracy(), computeMs,
                slowdownMs > 0 ? " + " + slowdownMs + " ms simulated slowdown (x" + slowDevice.factor() + ")" : "");
    }
}
