package io.fedarch.core.strategy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Random;

import org.junit.jupiter.api.Test;

import io.fedarch.core.tensor.ModelParameters;
import io.fedarch.core.tensor.NamedTensor;
import io.fedarch.events.JobSpec;
import io.fedarch.events.spec.JobSpecReader;

/**
 * Aggregating as updates arrive gives what aggregating them all at once gives: the folded weighted
 * mean (with and without pooled BN variances), FedBuff's folded step, and each strategy's folding
 * aggregator against its own {@code aggregate}, on seeded random models with uneven sample counts,
 * equal within float rounding; and in any arrival order.
 */
class FoldedAggregationTest {
    private static final int CLIENTS = 40;

    /** A model with a weight matrix, a bias and BN statistics, values of mixed magnitude and sign. */
    private static ModelParameters randomModel(Random random) {
        return new ModelParameters(List.of(
                tensor("conv.weight", new int[] {16, 8, 3, 3}, random, 0.3, false),
                tensor("conv.bias", new int[] {16}, random, 1e-3, false),
                tensor("bn.running_mean", new int[] {16}, random, 2.0, false),
                tensor("bn.running_var", new int[] {16}, random, 3.0, true),
                tensor("fc.weight", new int[] {10, 1152}, random, 0.05, false)));
    }

    private static NamedTensor tensor(String name, int[] shape, Random random, double scale, boolean positive) {
        int n = 1;
        for (int d : shape) {
            n *= d;
        }
        float[] values = new float[n];
        for (int i = 0; i < n; i++) {
            double v = scale * random.nextGaussian();
            values[i] = (float) (positive ? Math.abs(v) + 0.01 : v);
        }
        return new NamedTensor(name, shape, values);
    }

    private static List<ClientResult> results(long seed) {
        Random random = new Random(seed);
        List<ClientResult> results = new ArrayList<>();
        for (int c = 0; c < CLIENTS; c++) {
            // Uneven shards, up to a whole Fashion-MNIST training set: weights far from powers of two.
            results.add(ClientResult.of(c, 1 + random.nextInt(60_000), randomModel(random)));
        }
        return results;
    }

    /**
     * Every value within one float ulp of the reference (the double sums differ only in their last
     * bits, so the float they round to can differ by one step at most); returns how many differ at all.
     */
    private static int assertWithinRounding(ModelParameters expected, ModelParameters actual) {
        assertEquals(expected.names(), actual.names());
        int differing = 0;
        for (NamedTensor t : expected.tensors()) {
            float[] a = t.values();
            float[] b = actual.get(t.name()).values();
            for (int i = 0; i < a.length; i++) {
                float tolerance = Math.ulp(Math.max(Math.abs(a[i]), Math.abs(b[i])));
                assertTrue(Math.abs(a[i] - b[i]) <= tolerance,
                        t.name() + "[" + i + "]: " + a[i] + " vs " + b[i] + " (one ulp: " + tolerance + ")");
                if (Float.floatToRawIntBits(a[i]) != Float.floatToRawIntBits(b[i])) {
                    differing++;
                }
            }
        }
        return differing;
    }

    private static ModelParameters folded(List<ClientResult> results, boolean pool) {
        FoldedMean mean = new FoldedMean(results.get(0).parameters(), pool, m -> new Aggregated(m, ServerState.EMPTY));
        results.forEach(mean::add);
        return mean.finish().global();
    }

    @Test
    void theFoldedMeanIsTheWeightedAverageWithinFloatRounding() {
        List<ClientResult> results = results(42);
        ModelParameters reference = WeightedAverage.of(results.get(0).parameters(), results);
        int differing = assertWithinRounding(reference, folded(results, false));
        long values = reference.elementCount();
        // Almost every value is the same float: the two orders of summation round alike nearly everywhere.
        assertTrue(differing < values / 100, differing + " of " + values + " values differ by one ulp");
    }

    @Test
    void theFoldedMeanDoesNotDependOnArrivalOrderBeyondRounding() {
        List<ClientResult> results = results(7);
        ModelParameters inOrder = folded(results, false);
        for (long shuffle = 1; shuffle <= 3; shuffle++) {
            List<ClientResult> shuffled = new ArrayList<>(results);
            Collections.shuffle(shuffled, new Random(shuffle));
            assertWithinRounding(inOrder, folded(shuffled, false));
        }
    }

    @Test
    void foldedPooledStatisticsArePooledStatisticsOfTheAverage() {
        List<ClientResult> results = results(3);
        ModelParameters reference = PooledStatistics.pool(WeightedAverage.of(results.get(0).parameters(), results),
                results);
        ModelParameters folded = folded(results, true);
        assertWithinRounding(reference, folded);
        // The pooled variance includes the spread of the clients' means, so it is not the mean variance.
        float averagedVariance = folded(results, false).get("bn.running_var").values()[0];
        assertTrue(folded.get("bn.running_var").values()[0] > averagedVariance);
    }

    @Test
    void fedBuffsFoldedStepIsItsStepOverTheWholeBuffer() {
        Random random = new Random(11);
        ModelParameters global = randomModel(random);
        List<ModelParameters> bases = List.of(randomModel(random), randomModel(random), global);
        List<StaleUpdate> buffer = new ArrayList<>();
        RunningWeightedSum deltas = new RunningWeightedSum(global);
        for (int c = 0; c < 12; c++) {
            int staleness = c % 3;
            StaleUpdate update = new StaleUpdate(c, randomModel(random), bases.get(2 - staleness), staleness);
            buffer.add(update);
            deltas.addDifference(update.local(), update.base(), BufferedAsyncStep.stalenessWeight(staleness, 0.5));
        }
        assertWithinRounding(BufferedAsyncStep.apply(global, buffer, 0.5, 0.8),
                BufferedAsyncStep.apply(global, deltas, buffer.size(), 0.8));
        assertThrows(IllegalArgumentException.class, () -> BufferedAsyncStep.apply(global, deltas, 11, 0.8),
                "the buffer's size and the folded count must agree");
    }

    @Test
    void everyFoldingStrategyFoldsToWhatItsAggregateGives() {
        List<ClientResult> results = results(5);
        ModelParameters global = results.get(0).parameters();
        for (String algorithm : List.of("fedavg", "fednas", "fedmetanas")) {
            Strategy strategy = StrategyRegistry.builtIn().get(algorithm);
            JobSpec spec = JobSpecReader.fromMap(Map.of("algorithm", algorithm));
            assertTrue(strategy.foldsUpdates(spec), algorithm);
            RoundAggregator aggregator = strategy.foldingAggregator(spec, 1, global, ServerState.EMPTY);
            results.forEach(aggregator::add);
            assertWithinRounding(strategy.aggregate(spec, 1, global, ServerState.EMPTY, results).global(),
                    aggregator.finish().global());
        }
    }

    @Test
    void robustRulesAndPerClientStrategiesSayTheyBuffer() {
        for (String rule : List.of("COORDINATE_MEDIAN", "TRIMMED_MEAN", "KRUM", "NORM_CLIPPED_MEAN")) {
            JobSpec spec = JobSpecReader.fromMap(Map.of("algorithm", "fedavg", "clientsPerRound", 10,
                    "robustAggregation", Map.of("rule", rule, "trimFraction", 0.2)));
            assertEquals(false, StrategyRegistry.builtIn().get("fedavg").foldsUpdates(spec), rule);
        }
        for (String algorithm : List.of("perfedrlnas", "superfednas")) {
            assertEquals(false, StrategyRegistry.builtIn().get(algorithm)
                    .foldsUpdates(JobSpecReader.fromMap(Map.of("algorithm", algorithm))), algorithm);
        }
    }

    @Test
    void aFoldHoldsOneModelOfSumsWhateverTheNumberOfResults() {
        List<ClientResult> results = results(9);
        FoldedMean mean = new FoldedMean(results.get(0).parameters(), false, m -> new Aggregated(m, ServerState.EMPTY));
        assertEquals(0, mean.retainedBytes(), "nothing before the first result");
        mean.add(results.get(0));
        long afterOne = mean.retainedBytes();
        assertEquals(8 * results.get(0).parameters().elementCount(), afterOne);
        results.subList(1, results.size()).forEach(mean::add);
        assertEquals(afterOne, mean.retainedBytes());
    }
}
