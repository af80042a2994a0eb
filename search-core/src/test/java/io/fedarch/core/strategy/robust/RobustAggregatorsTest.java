package io.fedarch.core.strategy.robust;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import io.fedarch.core.strategy.Aggregation;
import io.fedarch.core.strategy.ClientResult;
import io.fedarch.core.strategy.SimulatedAttacks;
import io.fedarch.core.strategy.StrategyRegistry;
import io.fedarch.core.strategy.WeightedAverage;
import io.fedarch.core.tensor.ModelParameters;
import io.fedarch.core.tensor.NamedTensor;
import io.fedarch.events.JobSpec;
import io.fedarch.events.spec.JobSpecReader;

/** Every rule on numbers small enough to check by hand. */
class RobustAggregatorsTest {
    private static ModelParameters model(float... values) {
        return new ModelParameters(List.of(new NamedTensor("w", new int[]{values.length}, values)));
    }

    private static List<ClientResult> results(float[]... models) {
        List<ClientResult> out = new ArrayList<>();
        for (int k = 0; k < models.length; k++) {
            out.add(ClientResult.of(k, 1, model(models[k])));
        }
        return out;
    }

    private static float[] values(ModelParameters p) {
        return p.get("w").values();
    }

    @Test
    void medianAndTrimmedMeanIgnoreTheOutlier() {
        ModelParameters global = model(0f, 0f);
        List<ClientResult> round = results(new float[]{1, 10}, new float[]{2, 20}, new float[]{3, 30},
                new float[]{4, 40}, new float[]{1000, -1000});
        assertArrayEquals(new float[]{3, 20}, values(new CoordinateMedian().aggregate(global, round)));
        // n = 5, trim 0.2 -> one value cut at each end: (2+3+4)/3 = 3, (10+20+30)/3 = 20
        assertArrayEquals(new float[]{3, 20}, values(new TrimmedMean(0.2).aggregate(global, round)), 1e-6f);
        // an even count takes the mean of the middle two
        assertArrayEquals(new float[]{2.5f, 25}, values(new CoordinateMedian().aggregate(global,
                results(new float[]{1, 10}, new float[]{2, 20}, new float[]{3, 30}, new float[]{4, 40}))));
        assertEquals(0, new TrimmedMean(0.2).trimmed(2), "a small round keeps its values");
        assertThrows(IllegalArgumentException.class, () -> new TrimmedMean(0.5));
    }

    @Test
    void clippingBoundsEveryDeltaByTheMedianNorm() {
        ModelParameters global = model(1f, 1f);
        // deltas (3,4) norm 5, (0,1) norm 1, (0,-2) norm 2, (300,400) norm 500: median norm = (2+5)/2 = 3.5
        List<ClientResult> round = results(new float[]{4, 5}, new float[]{1, 2}, new float[]{1, -1},
                new float[]{301, 401});
        float[] clipped = values(new NormClippedMean(0).aggregate(global, round));
        // (3,4)*0.7 + (0,1) + (0,-2) + (300,400)*0.007 = (2.1+2.1, 2.8+1-2+2.8) = (4.2, 4.6); mean /4; + global
        assertArrayEquals(new float[]{1 + 4.2f / 4, 1 + 4.6f / 4}, clipped, 1e-5f);
        // a fixed bound of 1: every delta ends with norm <= 1, so the step is at most 1
        float[] tight = values(new NormClippedMean(1).aggregate(global, round));
        double step = Math.hypot(tight[0] - 1, tight[1] - 1);
        assertTrue(step <= 1 + 1e-6, "step " + step);
    }

    @Test
    void krumPicksAMemberOfTheHonestCluster() {
        ModelParameters global = model(0f, 0f);
        List<ClientResult> round = results(new float[]{1, 1}, new float[]{1.1f, 0.9f}, new float[]{0.9f, 1.2f},
                new float[]{1, 1.05f}, new float[]{50, -50}, new float[]{-40, 60});
        Krum krum = new Krum(0);
        assertEquals(1, krum.tolerated(6), "n = 6 tolerates f = (6 - 3) / 2 = 1");
        int chosen = krum.select(round);
        assertTrue(chosen < 4, "chose " + chosen);
        // scores over the 3 nearest: client 0: .0025 + .02 + .05 = .0725; client 3: .0025 + .0325 + .0325 = .0675
        assertEquals(3, krum.select(round), "client 3 is closest to its n - f - 2 = 3 nearest neighbours");
        assertThrows(IllegalArgumentException.class, () -> new Krum(2).tolerated(6), "6 updates cannot tolerate 2");
        assertThrows(IllegalArgumentException.class, () -> new Krum(0).tolerated(2));
    }

    @Test
    void theJobPicksItsRuleAndMeanStaysTheWeightedAverage() {
        JobSpec plain = spec(Map.of());
        assertNull(RobustAggregators.forSpec(plain));
        ModelParameters global = model(0f, 0f);
        List<ClientResult> round = List.of(ClientResult.of(0, 1, model(1, 2)),
                ClientResult.of(1, 3, model(5, 6)));
        assertArrayEquals(values(WeightedAverage.of(global, round)), values(Aggregation.of(plain, global, round)));
        JobSpec median = spec(Map.of("robustAggregation", Map.of("rule", "COORDINATE_MEDIAN")));
        assertArrayEquals(new float[]{3, 4}, values(Aggregation.of(median, global, round)));
        // Krum that cannot work with the job's clients per round is refused when the job is checked
        JobSpec krum = spec(Map.of("clientsPerRound", 4, "totalClients", 4,
                "robustAggregation", Map.of("rule", "KRUM", "byzantineClients", 1)));
        IllegalArgumentException refused = assertThrows(IllegalArgumentException.class,
                () -> StrategyRegistry.builtIn().get("fedavg").validate(krum));
        assertTrue(refused.getMessage().contains("byzantineClients 1 needs more than 4"), refused.getMessage());
    }

    @Test
    void hostileClientsAreFixedByTheSeedAndManipulateTheirDelta() {
        JobSpec flip = spec(Map.of("totalClients", 10, "clientsPerRound", 10,
                "simulatedAttack", Map.of("fraction", 0.2, "kind", "SIGN_FLIP")));
        List<Integer> hostile = SimulatedAttacks.hostileClients(flip);
        assertEquals(2, hostile.size());
        assertEquals(hostile, SimulatedAttacks.hostileClients(flip), "the same clients every time");
        ModelParameters global = model(1f, 1f);
        ModelParameters local = model(2f, 0f);
        assertArrayEquals(new float[]{0, 2}, values(SimulatedAttacks.manipulate(flip, global, local)));
        JobSpec scale = spec(Map.of("simulatedAttack", Map.of("kind", "SCALE", "scale", 10.0)));
        assertArrayEquals(new float[]{11, -9}, values(SimulatedAttacks.manipulate(scale, global, local)));
        assertTrue(SimulatedAttacks.hostileClients(spec(Map.of())).isEmpty());
    }

    private static JobSpec spec(Map<String, Object> overrides) {
        Map<String, Object> job = new java.util.HashMap<>(Map.of("algorithm", "fedavg",
                "model", Map.of("family", "cnn", "options", Map.of("conv1", 2, "conv2", 2, "hidden", 4))));
        job.putAll(overrides);
        return JobSpecReader.fromMap(job);
    }

    /** Review L3: a trimmed mean that would trim nothing (floor(0.2 · 4) = 0) is refused, not run as a plain mean. */
    @Test
    void aTrimmedMeanThatTrimsNothingIsRefused() {
        String message = assertThrows(IllegalArgumentException.class, () -> RobustAggregators.forSpec(
                io.fedarch.events.spec.JobSpecReader.fromMap(java.util.Map.of("totalClients", 4, "clientsPerRound", 4,
                        "robustAggregation", java.util.Map.of("rule", "TRIMMED_MEAN", "trimFraction", 0.2))))).getMessage();
        assertTrue(message.contains("trims nothing when a round closes with 4 updates"), message);
        RobustAggregators.forSpec(io.fedarch.events.spec.JobSpecReader.fromMap(java.util.Map.of("totalClients", 5,
                "clientsPerRound", 5, "robustAggregation", java.util.Map.of("rule", "TRIMMED_MEAN", "trimFraction", 0.2))));
    }
}
