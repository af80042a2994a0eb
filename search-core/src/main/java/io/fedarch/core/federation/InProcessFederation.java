package io.fedarch.core.federation;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.UUID;
import java.util.function.Consumer;

import io.fedarch.core.data.ImageDataset;
import io.fedarch.core.data.ShardProvider;
import io.fedarch.core.strategy.ServerState;
import io.fedarch.core.strategy.ServerStateCodec;
import io.fedarch.core.strategy.Strategy;
import io.fedarch.core.strategy.StrategyRegistry;
import io.fedarch.core.tensor.ModelParameters;
import io.fedarch.core.tensor.TensorCodec;
import io.fedarch.core.train.Evaluator;
import io.fedarch.core.train.Metrics;
import io.fedarch.events.ClientTask;
import io.fedarch.events.JobSpec;
import io.fedarch.events.SearchStatus;

/**
 * Runs a whole federated job in one JVM on the {@link FederationEngine} the coordinator runs, with
 * an in-memory transport: each task the engine sends is executed at once, clients one after another,
 * by the same {@link ClientTaskExecution} a worker runs, and its update goes back to the engine; the
 * between-rounds step runs where the pruning service would. The harness for tests and benchmarks.
 * No clock ticks: deadlines never pass, so every selected client is waited for.
 */
public final class InProcessFederation {

    /** What one round produced; {@code test} is the aggregated model on the test set (null when not evaluated). */
    public record RoundReport(int round, List<Integer> clients, long sampleCount, double trainLoss,
                              double globalValidationAccuracy, Metrics test, long millis) {
    }

    /** One client's personalized model's figures on its local test split. */
    public record PersonalizedReport(int clientId, double localTestAccuracy, int localTestSamples) {
    }

    /**
     * The final global model, every round's report, the strategy's server state after the last round's
     * aggregation (what the last round ran with, unless its aggregation changed it), and the
     * personalization stage's reports (empty without one).
     */
    public record Result(ModelParameters model, List<RoundReport> rounds, ServerState lastState,
                         List<PersonalizedReport> personalized) {
        public RoundReport last() {
            return rounds.get(rounds.size() - 1);
        }
    }

    private final Strategy strategy;
    private final ShardProvider shards;

    public InProcessFederation(Strategy strategy, ShardProvider shards) {
        this.strategy = strategy;
        this.shards = shards;
    }

    /**
     * @param testSet   evaluated after every {@code evalEvery}-th round and after the last; null to skip
     * @param onRound   receives each report as soon as the round ends (progress logging)
     * @throws IllegalArgumentException when the job is invalid
     * @throws IllegalStateException    when the job fails, or a round produced non-finite values
     */
    public Result run(JobSpec spec, ImageDataset testSet, int evalEvery, Consumer<RoundReport> onRound) {
        return run(spec, testSet, evalEvery, onRound, null);
    }

    /**
     * As {@link #run(JobSpec, ImageDataset, int, Consumer)}, starting from {@code initialModel} instead
     * of the strategy's initialisation (what a job submitted with an initial model does, e.g. the
     * fine-tuning of a derived network from the weights it inherits); null = the strategy's.
     */
    public Result run(JobSpec spec, ImageDataset testSet, int evalEvery, Consumer<RoundReport> onRound,
                      ModelParameters initialModel) {
        StrategyRegistry registry = new StrategyRegistry(strategy);
        FederationEngine engine = new FederationEngine(registry,
                new EngineSettings(Duration.ofDays(1), Duration.ZERO, Integer.MAX_VALUE));
        ClientTaskExecution clients = new ClientTaskExecution(registry, shards, "in-process");
        String jobId = "in-process-" + UUID.randomUUID();
        FederationEngine.Started started;
        try {
            started = engine.submit(jobId, spec, initialModel == null ? null
                    : TensorCodec.toAvro(initialModel, spec.getTensorDType()));
        } catch (InputRejectedException e) {
            throw new IllegalArgumentException(e.getMessage(), e);
        }
        JobState job = started.job();
        Deque<Decision> pending = new ArrayDeque<>(started.decisions());
        List<RoundReport> reports = new ArrayList<>();
        List<PersonalizedReport> personalized = new ArrayList<>();
        ServerState lastState = job.state();
        long updateOffset = 0;
        while (!pending.isEmpty()) {
            Decision decision = pending.removeFirst();
            List<Decision> next = new ArrayList<>();
            if (decision instanceof Decision.SendTasks send) {
                for (Decision.TaskOrder order : send.tasks()) {
                    ClientTask task = ClientTask.newBuilder()
                            .setEventId(order.eventId()).setJobId(jobId).setTimestamp(java.time.Instant.now())
                            .setRound(send.round()).setClientId(order.clientId()).setAttempt(send.attempt())
                            .setModelVersion(send.modelVersion()).setDeadline(send.deadline()).setSpec(spec)
                            .setRoundConfig(order.config()).setGlobalModel(send.model()).setPayload(order.payload())
                            .build();
                    var update = clients.run(task).update();
                    next.addAll(handled(engine, job, new Input.Update(update,
                            new UpdateOrigin(update.getEventId(), 0, updateOffset++))));
                }
            } else if (decision instanceof Decision.PublishGlobal global) {
                reports.add(report(spec, global, testSet, evalEvery, onRound));
                lastState = global.state();
                if (job.phase() == JobPhase.WAITING_FOR_BETWEEN_ROUNDS) {
                    // What the pruning service does between rounds in the distributed system.
                    ServerState state = strategy.betweenRounds().orElseThrow()
                            .next(spec, global.round(), global.model(), global.state());
                    next.addAll(handled(engine, job, new Input.BetweenRoundsResult(global.round(),
                            ServerStateCodec.toAvro(state))));
                }
            } else if (decision instanceof Decision.PublishPersonalized p) {
                personalized.add(new PersonalizedReport(p.update().getClientId(), p.localTestAccuracy(),
                        p.localTestSamples()));
            } else if (decision instanceof Decision.Complete complete && complete.status() == SearchStatus.FAILED) {
                throw new IllegalStateException("job failed: " + complete.reason());
            }
            // Decisions a transport acts on first come first: a round's tasks before the next round's.
            for (int i = next.size() - 1; i >= 0; i--) {
                pending.addFirst(next.get(i));
            }
        }
        return new Result(job.global(), List.copyOf(reports), lastState, List.copyOf(personalized));
    }

    private static List<Decision> handled(FederationEngine engine, JobState job, Input input) {
        FederationEngine.Outcome outcome = engine.handle(job, input);
        if (outcome.rejection() != null) {
            throw new IllegalStateException("the engine refused an in-process input: " + outcome.rejection().getMessage(),
                    outcome.rejection());
        }
        return outcome.decisions();
    }

    private static RoundReport report(JobSpec spec, Decision.PublishGlobal global, ImageDataset testSet, int evalEvery,
                                      Consumer<RoundReport> onRound) {
        String broken = global.model().firstNonFinite();
        if (broken != null) {
            throw new IllegalStateException("round " + global.round() + " produced non-finite values in '" + broken
                    + "'; lower the learning rate");
        }
        int round = global.round();
        boolean evaluate = testSet != null && (round == spec.getRounds() || (evalEvery > 0 && round % evalEvery == 0));
        Metrics test = evaluate ? Evaluator.evaluate(spec.getModel(), global.model(), testSet, Evaluator.DEFAULT_BATCH) : null;
        RoundReport report = new RoundReport(round, global.participants(), global.metrics().getSampleCount(),
                global.metrics().getTrainLoss(), global.metrics().getGlobalValidationAccuracy(), test,
                global.metrics().getRoundMs());
        if (onRound != null) {
            onRound.accept(report);
        }
        return report;
    }
}
