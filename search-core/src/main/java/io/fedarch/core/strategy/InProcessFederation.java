package io.fedarch.core.strategy;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

import io.fedarch.core.darts.OperationMask;
import io.fedarch.core.data.ClientShard;
import io.fedarch.core.data.ImageDataset;
import io.fedarch.core.data.ShardProvider;
import io.fedarch.core.tensor.ModelParameters;
import io.fedarch.core.train.Evaluator;
import io.fedarch.core.train.Metrics;
import io.fedarch.events.JobSpec;

/**
 * Runs a whole federated job in one JVM, clients one after another: the reference semantics the
 * distributed coordinator and workers reproduce, and the harness for tests and benchmarks.
 */
public final class InProcessFederation {

    /** What one round produced; {@code test} is the aggregated model on the test set (null when not evaluated). */
    public record RoundReport(int round, List<Integer> clients, long sampleCount, double trainLoss,
                              double globalValidationAccuracy, Metrics test, long millis) {
    }

    /**
     * The final global model, every round's report, and for soft-pruning strategies the mask the
     * last round searched in (null otherwise).
     */
    public record Result(ModelParameters model, List<RoundReport> rounds, OperationMask lastMask) {
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
     */
    public Result run(JobSpec spec, ImageDataset testSet, int evalEvery, Consumer<RoundReport> onRound) {
        strategy.validate(spec);
        ModelParameters global = strategy.initialize(spec);
        PrunesBetweenRounds pruning = strategy instanceof PrunesBetweenRounds p ? p : null;
        OperationMask mask = pruning == null ? null : pruning.initialMask(spec);
        OperationMask lastMask = null;
        List<RoundReport> reports = new ArrayList<>();
        for (int round = 1; round <= spec.getRounds(); round++) {
            long start = System.nanoTime();
            RoundPlan plan = strategy.configureRound(spec, round, global);
            List<ClientResult> results = new ArrayList<>();
            double lossSum = 0;
            double globalAccSum = 0;
            long validationSum = 0;
            long samples = 0;
            for (int clientId : plan.clients()) {
                ClientShard shard = shards.shard(spec, clientId);
                ClientOutcome out = strategy.clientProcedure()
                        .run(new ClientTaskContext(spec, round, plan.roundConfig(), global, shard, mask));
                // Robustness experiments: a simulated hostile client sends a manipulated update, as on a worker.
                ModelParameters sent = SimulatedAttacks.isHostile(spec, clientId)
                        ? SimulatedAttacks.manipulate(spec, global, out.parameters()) : out.parameters();
                results.add(new ClientResult(clientId, out.sampleCount(), sent,
                        Map.of("trainLoss", out.trainLoss(), "validationAccuracy", out.validationAccuracy())));
                lossSum += out.trainLoss() * out.sampleCount();
                samples += out.sampleCount();
                if (out.validationSamples() > 0) {
                    globalAccSum += out.globalValidationAccuracy() * out.validationSamples();
                    validationSum += out.validationSamples();
                }
            }
            global = strategy.aggregate(spec, round, global, results);
            String broken = global.firstNonFinite();
            if (broken != null) {
                throw new IllegalStateException("round " + round + " produced non-finite values in '" + broken
                        + "'; lower the learning rate");
            }
            lastMask = mask;
            if (pruning != null) {
                // What the pruning service does between rounds in the distributed system.
                mask = pruning.prune(spec, round, global, mask).mask();
            }
            boolean evaluate = testSet != null && (round == spec.getRounds() || (evalEvery > 0 && round % evalEvery == 0));
            Metrics test = evaluate ? Evaluator.evaluate(spec.getModel(), global, testSet, Evaluator.DEFAULT_BATCH) : null;
            RoundReport report = new RoundReport(round, plan.clients(), samples, lossSum / samples,
                    validationSum == 0 ? Double.NaN : globalAccSum / validationSum, test,
                    (System.nanoTime() - start) / 1_000_000);
            reports.add(report);
            if (onRound != null) {
                onRound.accept(report);
            }
        }
        return new Result(global, List.copyOf(reports), lastMask);
    }
}
