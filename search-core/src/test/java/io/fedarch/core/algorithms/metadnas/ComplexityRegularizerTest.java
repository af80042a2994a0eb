package io.fedarch.core.algorithms.metadnas;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;

import org.junit.jupiter.api.Test;

import io.fedarch.core.darts.CellTopology;
import io.fedarch.core.darts.DartsOptions;
import io.fedarch.core.darts.Genotype;
import io.fedarch.core.darts.GenotypeMetrics;
import io.fedarch.core.darts.OperationCosts;
import io.fedarch.core.darts.PathCost;
import io.fedarch.core.darts.SinglePath;

/** The expected-MACs regulariser: its costs, its gradient, and the budget hinge. */
class ComplexityRegularizerTest {
    private static final DartsOptions TINY = DartsOptions.parse(Map.of("channels", "4", "layers", "3", "stemStride", "2"));
    private static final int OPS = TINY.operations().size();

    /** Per-operation costs add up to PathCost's count for any single path without 'none'. */
    @Test
    void operationCostsAddUpToThePathCost() {
        OperationCosts costs = OperationCosts.of(TINY);
        Random random = new Random(3);
        for (int trial = 0; trial < 50; trial++) {
            int[] normal = new int[CellTopology.EDGES];
            int[] reduce = new int[CellTopology.EDGES];
            for (int e = 0; e < CellTopology.EDGES; e++) {
                normal[e] = 1 + random.nextInt(OPS - 1);
                reduce[e] = 1 + random.nextInt(OPS - 1);
            }
            SinglePath path = new SinglePath(TINY.operationNames(), normal, reduce);
            assertEquals(PathCost.of(TINY, path).macs(), costs.macs(path), 1e-6, path.toString());
        }
        assertTrue(costs.maxMacs() > costs.fixedMacs());
        System.out.printf("tiny space: fixed %.0f MACs, dearest path %.0f MACs, uniform alpha %.0f MACs%n",
                costs.fixedMacs(), costs.maxMacs(), costs.expectedMacs(new float[14 * OPS], new float[14 * OPS]));
    }

    /** The analytic gradient matches finite differences of the penalty. */
    @Test
    void gradientMatchesFiniteDifferences() {
        ComplexityRegularizer regularizer = new ComplexityRegularizer(OperationCosts.of(TINY), 0.1,
                Double.POSITIVE_INFINITY);
        List<float[]> alphas = randomAlphas(7, 0.5);
        List<float[]> gradients = List.of(new float[14 * OPS], new float[14 * OPS]);
        regularizer.addGradient(alphas, gradients);
        for (int type = 0; type < 2; type++) {
            for (int k : new int[] {0, 5, 37, 111}) {
                float[] plus = alphas.get(type).clone();
                float[] minus = alphas.get(type).clone();
                plus[k] += 1e-2f;
                minus[k] -= 1e-2f;
                double numeric = (regularizer.value(with(alphas, type, plus)) - regularizer.value(with(alphas, type, minus)))
                        / 2e-2;
                assertEquals(numeric, gradients.get(type)[k], 1e-5 + 1e-2 * Math.abs(numeric), "type " + type + " k " + k);
            }
        }
    }

    /**
     * Descending the regulariser alone makes the architecture cheaper: the expected MACs fall and every
     * edge's strongest operation becomes one of its cheapest.
     */
    @Test
    void theGradientMovesAlphaTowardCheaperOperations() {
        OperationCosts costs = OperationCosts.of(TINY);
        ComplexityRegularizer regularizer = new ComplexityRegularizer(costs, 1.0, Double.POSITIVE_INFINITY);
        List<float[]> alphas = randomAlphas(1, 1e-3);
        double before = regularizer.expectedMacs(alphas);
        for (int step = 0; step < 300; step++) {
            List<float[]> gradients = List.of(new float[14 * OPS], new float[14 * OPS]);
            regularizer.addGradient(alphas, gradients);
            for (int type = 0; type < 2; type++) {
                for (int k = 0; k < gradients.get(type).length; k++) {
                    alphas.get(type)[k] -= 30f * gradients.get(type)[k];
                }
            }
        }
        double after = regularizer.expectedMacs(alphas);
        assertTrue(after < before, before + " -> " + after);
        for (int type = 0; type < 2; type++) {
            for (int e = 0; e < CellTopology.EDGES; e++) {
                int best = 0;
                double cheapest = Double.POSITIVE_INFINITY;
                for (int o = 0; o < OPS; o++) {
                    if (alphas.get(type)[e * OPS + o] > alphas.get(type)[e * OPS + best]) {
                        best = o;
                    }
                    cheapest = Math.min(cheapest, costs.edgeMacs(type == 1, e, o));
                }
                assertEquals(cheapest, costs.edgeMacs(type == 1, e, best), 1e-9, "type " + type + " edge " + e);
            }
        }
    }

    /** With a budget the penalty is a hinge: silent (no gradient) under the budget, pulling above it. */
    @Test
    void theBudgetHingeIsSilentUnderTheBudget() {
        OperationCosts costs = OperationCosts.of(TINY);
        List<float[]> alphas = randomAlphas(5, 0.3);
        double expected = costs.expectedMacs(alphas.get(0), alphas.get(1));
        ComplexityRegularizer roomy = new ComplexityRegularizer(costs, 0.5, expected * 1.1);
        List<float[]> gradients = List.of(new float[14 * OPS], new float[14 * OPS]);
        assertEquals(0, roomy.addGradient(alphas, gradients));
        for (float[] g : gradients) {
            for (float v : g) {
                assertEquals(0f, v);
            }
        }
        double budget = expected * 0.8;
        ComplexityRegularizer tight = new ComplexityRegularizer(costs, 0.5, budget);
        assertEquals(0.5 * (expected - budget) / budget, tight.addGradient(alphas, gradients), 1e-9);
        double[] analytic = costs.expectedMacsGradient(alphas.get(0), false);
        for (int k = 0; k < analytic.length; k++) {
            assertEquals(0.5 / budget * analytic[k], gradients.get(0)[k], 1e-7 + 1e-4 * Math.abs(analytic[k] / budget));
        }
    }

    @Test
    void aGenotypeTravelsAsNumbers() {
        Genotype genotype = io.fedarch.core.darts.GenotypeDerivation.derive(
                toTable(randomAlphas(9, 1).get(0)), toTable(randomAlphas(10, 1).get(0)), TINY.operationNames());
        Map<String, Double> metrics = GenotypeMetrics.toMetrics(genotype, TINY.operationNames());
        assertEquals(genotype, GenotypeMetrics.fromMetrics(TINY.operationNames(), metrics));
        double free = GenotypeMetrics.parameterFreeShare(genotype);
        assertTrue(free >= 0 && free <= 1);
    }

    private static float[][] toTable(float[] flat) {
        float[][] table = new float[CellTopology.EDGES][OPS];
        for (int e = 0; e < CellTopology.EDGES; e++) {
            System.arraycopy(flat, e * OPS, table[e], 0, OPS);
        }
        return table;
    }

    private static List<float[]> randomAlphas(long seed, double scale) {
        Random random = new Random(seed);
        List<float[]> alphas = new ArrayList<>();
        for (int type = 0; type < 2; type++) {
            float[] alpha = new float[CellTopology.EDGES * OPS];
            for (int k = 0; k < alpha.length; k++) {
                alpha[k] = (float) (scale * random.nextGaussian());
            }
            alphas.add(alpha);
        }
        return alphas;
    }

    private static List<float[]> with(List<float[]> alphas, int type, float[] replaced) {
        return type == 0 ? List.of(replaced, alphas.get(1)) : List.of(alphas.get(0), replaced);
    }
}
