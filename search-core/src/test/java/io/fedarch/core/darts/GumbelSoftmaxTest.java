package io.fedarch.core.darts;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;

import org.junit.jupiter.api.Test;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import io.fedarch.core.model.Engines;

class GumbelSoftmaxTest {
    private static final int EDGES = 14;
    private static final int OPS = 8;

    private static NDArray alpha(NDManager manager) {
        float[] values = new float[EDGES * OPS];
        Random random = new Random(5);
        for (int i = 0; i < values.length; i++) {
            values[i] = (float) random.nextGaussian();
        }
        return manager.create(values, new Shape(EDGES, OPS));
    }

    @Test
    void hardSamplesAreOneHotAndSoftSamplesSumToOne() {
        try (NDManager manager = Engines.newManager()) {
            NDArray alpha = alpha(manager);
            for (int trial = 0; trial < 20; trial++) {
                GumbelSoftmax.Mixture hard = GumbelSoftmax.sample(alpha, null, 1.0, true, new Random(trial), manager);
                float[] w = hard.weights().toFloatArray();
                for (int e = 0; e < EDGES; e++) {
                    int ones = 0;
                    int activeCount = 0;
                    for (int o = 0; o < OPS; o++) {
                        float v = w[e * OPS + o];
                        assertTrue(v == 0f || v == 1f, "hard weight " + v);
                        ones += v == 1f ? 1 : 0;
                        activeCount += hard.active()[e][o] ? 1 : 0;
                        assertEquals(v == 1f, hard.active()[e][o], "only the sampled operation is evaluated");
                    }
                    assertEquals(1, ones);
                    assertEquals(1, activeCount);
                }
                GumbelSoftmax.Mixture soft = GumbelSoftmax.sample(alpha, null, 1.0, false, new Random(trial), manager);
                float[] s = soft.weights().toFloatArray();
                for (int e = 0; e < EDGES; e++) {
                    double sum = 0;
                    for (int o = 0; o < OPS; o++) {
                        assertTrue(s[e * OPS + o] > 0f && s[e * OPS + o] < 1f);
                        sum += s[e * OPS + o];
                    }
                    assertEquals(1.0, sum, 1e-5);
                }
            }
        }
    }

    @Test
    void aSmallTemperatureConcentratesTheSamples() {
        try (NDManager manager = Engines.newManager()) {
            NDArray alpha = alpha(manager);
            double hot = meanLargestWeight(alpha, 10.0, manager);
            double warm = meanLargestWeight(alpha, 1.0, manager);
            double cold = meanLargestWeight(alpha, 0.05, manager);
            assertTrue(hot < 0.3, "tau 10: mean largest weight " + hot);
            assertTrue(warm > hot && cold > warm, hot + " < " + warm + " < " + cold);
            assertTrue(cold > 0.95, "tau 0.05: mean largest weight " + cold);
        }
    }

    private static double meanLargestWeight(NDArray alpha, double tau, NDManager manager) {
        double sum = 0;
        int trials = 50;
        for (int trial = 0; trial < trials; trial++) {
            float[] w = GumbelSoftmax.sample(alpha, null, tau, false, new Random(trial), manager).weights().toFloatArray();
            for (int e = 0; e < EDGES; e++) {
                float max = 0;
                for (int o = 0; o < OPS; o++) {
                    max = Math.max(max, w[e * OPS + o]);
                }
                sum += max;
            }
        }
        return sum / (trials * EDGES);
    }

    @Test
    void prunedOperationsGetNoWeightAndAreNeverSampled() {
        float[] factors = new float[EDGES * OPS];
        java.util.Arrays.fill(factors, 1f);
        for (int e = 0; e < EDGES; e++) {
            factors[e * OPS + 3] = 0f;   // pruned everywhere
            factors[e * OPS + 5] = 0.5f; // decaying
        }
        OperationMask mask = new OperationMask(DartsOptions.DEFAULTS.operationNames(), factors, factors);
        try (NDManager manager = Engines.newManager()) {
            NDArray alpha = manager.zeros(new Shape(EDGES, OPS));
            for (int trial = 0; trial < 30; trial++) {
                GumbelSoftmax.Mixture hard = GumbelSoftmax.sample(alpha, mask.logFactors(false), 1.0, true,
                        new Random(trial), manager);
                GumbelSoftmax.Mixture soft = GumbelSoftmax.sample(alpha, mask.logFactors(false), 1.0, false,
                        new Random(trial), manager);
                float[] s = soft.weights().toFloatArray();
                for (int e = 0; e < EDGES; e++) {
                    assertFalse(hard.active()[e][3]);
                    assertFalse(soft.active()[e][3]);
                    assertEquals(0f, s[e * OPS + 3]);
                }
            }
            // Deterministic relaxation: with α = 0, a factor of 0.5 halves the operation's share.
            float[] relaxed = GumbelSoftmax.relaxed(alpha, mask.logFactors(false), manager).weights().toFloatArray();
            assertEquals(1.0 / 6.5, relaxed[0], 1e-6);
            assertEquals(0.5 / 6.5, relaxed[5], 1e-6);
            assertEquals(0.0, relaxed[3], 0.0);
        }
    }
}
