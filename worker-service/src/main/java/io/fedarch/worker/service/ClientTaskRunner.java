package io.fedarch.worker.service;

import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;

import io.fedarch.core.data.ShardProvider;
import io.fedarch.core.federation.ClientTaskExecution;
import io.fedarch.core.federation.DataDirAllowList;
import io.fedarch.core.federation.TaskRejectedException;
import io.fedarch.core.train.TaskDeadline;
import io.fedarch.events.wire.UpdateSignature;
import io.fedarch.core.strategy.ClientOutcome;
import io.fedarch.core.strategy.Personalization;
import io.fedarch.core.strategy.StrategyRegistry;
import io.fedarch.core.strategy.TaskPhases;
import io.fedarch.events.ClientTask;
import io.fedarch.events.ClientUpdate;
import io.fedarch.worker.messaging.UpdatePublisher;
import io.fedarch.worker.metrics.WorkerMetrics;

/**
 * Runs one client task ({@link ClientTaskExecution}: the client's shard, the strategy's client
 * procedure or its personalization) and publishes the update; skips tasks whose deadline passed
 * and, for experiments, behaves like a slower device.
 */
@ApplicationScoped
public class ClientTaskRunner {
    private static final Logger LOG = Logger.getLogger(ClientTaskRunner.class);
    /** ClientMetrics.custom key: milliseconds this worker waited to simulate a slower device (fedarch.worker.slowdown-factor). */
    public static final String SIMULATED_SLOWDOWN_MS = "simulatedSlowdownMs";

    /** The client procedure itself (search-core): this class adds Kafka, the deadline check and the simulated device. */
    private final ClientTaskExecution execution;
    private final String workerId;
    /** Experiments only: this worker behaves like a device this many times slower (fedarch.worker.slowdown-factor). */
    private final SimulatedSlowDevice slowDevice;
    /** The directories a job's data.dataDir may name (review M8): this worker's data directory and fedarch.data.allowed-roots. */
    private final DataDirAllowList dataRoots;

    /**
     * The key this worker signs its updates with (review H4): the workers' shared key, or its silo's
     * own; the coordinator refuses unsigned updates once it has keys. Hex, from the environment.
     */
    @ConfigProperty(name = "fedarch.worker.update-key")
    Optional<String> updateKeyHex;

    private Optional<byte[]> updateKey = Optional.empty();

    @jakarta.annotation.PostConstruct
    void loadUpdateKey() {
        updateKey = updateKeyHex.filter(k -> !k.isBlank()).map(UpdateSignature::key);
    }

    @Inject
    UpdatePublisher publisher;

    @Inject
    WorkerMetrics metrics;

    @Inject
    public ClientTaskRunner(@ConfigProperty(name = "fedarch.data.dir") Path dataDir,
                            @ConfigProperty(name = "fedarch.worker.silo-dir") Optional<Path> siloDir,
                            @ConfigProperty(name = "fedarch.worker.id") Optional<String> workerId,
                            @ConfigProperty(name = "fedarch.worker.slowdown-factor", defaultValue = "1.0")
                            double slowdownFactor,
                            @ConfigProperty(name = "fedarch.data.allowed-roots") Optional<List<Path>> allowedRoots) {
        this.workerId = workerId.orElseGet(WorkerIdentity::describe);
        List<Path> roots = new ArrayList<>(allowedRoots.orElse(List.of()));
        roots.add(dataDir);
        this.dataRoots = DataDirAllowList.of(roots);
        this.execution = new ClientTaskExecution(StrategyRegistry.builtIn(),
                new ShardProvider(dataDir, siloDir.orElse(null)), this.workerId);
        this.slowDevice = new SimulatedSlowDevice(slowdownFactor);
        LOG.infof("worker %s ready: data %s (jobs may name a dataDir under %s)%s%s", this.workerId, dataDir,
                dataRoots.roots(),
                siloDir.map(d -> ", pinned to silo " + d).orElse(""),
                slowDevice.slows() ? ", simulated slowdown x" + slowDevice.factor() : "");
    }

    public String workerId() {
        return workerId;
    }

    public void run(ClientTask task) {
        run(task, 0);
    }

    /** @param recordDecodeNanos the time spent decoding the task record, counted in the task's decode phase */
    public void run(ClientTask task, long recordDecodeNanos) {
        // Refused before the deadline check: a task naming another tenant's data is always answered with
        // a dead letter saying why, even when it arrives too late to run (FuzzTest saw such a refusal
        // go unreported when the worker reached the task after its deadline).
        dataRoots.refusal(task.getSpec()).ifPresent(reason -> {
            throw new TaskRejectedException("task " + task.getEventId() + " of job " + task.getJobId() + " refused: "
                    + reason);
        });
        if (Instant.now().isAfter(task.getDeadline())) {
            // The coordinator has closed or failed this round already; training now would be wasted work.
            LOG.warnf("skipping task %s (job %s round %d client %d): deadline %s passed", task.getEventId(),
                    task.getJobId(), task.getRound(), task.getClientId(), task.getDeadline());
            metrics.taskSkipped();
            return;
        }
        ClientTaskExecution.Executed executed;
        try {
            executed = TaskDeadline.within(task.getDeadline(), () -> execution.run(task, recordDecodeNanos));
        } catch (TaskDeadline.PassedException e) {
            // The round went on without this client; an update now would be ignored as late.
            LOG.warnf("task %s (job %s round %d client %d) abandoned: %s", task.getEventId(), task.getJobId(),
                    task.getRound(), task.getClientId(), e.getMessage());
            metrics.taskSkipped();
            return;
        }
        ClientUpdate update = executed.update();
        ClientOutcome outcome = executed.outcome();
        Map<String, Double> custom = update.getMetrics().getCustom();
        if (executed.hostile()) {
            LOG.warnf("job %s round %d: client %d is a SIMULATED HOSTILE client (%s); its update is manipulated",
                    task.getJobId(), task.getRound(), task.getClientId(), task.getSpec().getSimulatedAttack());
        }
        long computeMs = update.getMetrics().getComputeMs();
        long slowdownMs = slowDevice.waitAfter(computeMs);
        if (slowdownMs > 0) {
            // computeMs stays the real work; the added wait is reported on its own.
            custom.put(SIMULATED_SLOWDOWN_MS, (double) slowdownMs);
            update.setTimestamp(Instant.now());
        }
        updateKey.ifPresent(key -> {
            long signStart = System.nanoTime();
            update.setSignature(UpdateSignature.sign(key, update));
            // The signature does not cover the metrics, so its own cost can still be reported in them.
            double signMs = (System.nanoTime() - signStart) / 1e6;
            custom.merge(TaskPhases.Phase.UPDATE_ENCODE.key(), signMs, Double::sum);
            custom.merge(ClientTaskExecution.TASK_MS, signMs, Double::sum);
        });
        publisher.publish(update);
        metrics.taskCompleted(task.getSpec().getAlgorithm(), computeMs, update.getMetrics().getUpdateBytes());
        if (executed.personalization()) {
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
