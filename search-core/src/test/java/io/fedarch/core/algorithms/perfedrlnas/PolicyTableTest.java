package io.fedarch.core.algorithms.perfedrlnas;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.List;
import java.util.Random;

import org.junit.jupiter.api.Test;

import io.fedarch.core.darts.CellTopology;
import io.fedarch.core.darts.Primitive;
import io.fedarch.core.darts.SinglePath;
import io.fedarch.core.strategy.ServerState;
import io.fedarch.core.tensor.NamedTensor;

class PolicyTableTest {
    private static final List<String> OPS = Primitive.all().stream().map(Primitive::dartsName).toList();

    private static SinglePath path(int normalOp, int reduceOp) {
        int[] normal = new int[CellTopology.EDGES];
        int[] reduce = new int[CellTopology.EDGES];
        Arrays.fill(normal, normalOp);
        Arrays.fill(reduce, reduceOp);
        return new SinglePath(OPS, normal, reduce);
    }

    @Test
    void aPositiveRewardRaisesTheSampledOperationsAndANegativeOneLowersThemInBothCells() {
        for (double reward : new double[] {0.3, -0.3}) {
            PolicyTable table = PolicyTable.initial(3, OPS.size(), 11);
            SinglePath trained = path(4, 2);
            double[][] normalBefore = table.probabilities(1, false);
            double[][] reduceBefore = table.probabilities(1, true);
            double[][] otherBefore = table.probabilities(0, false);
            table.reinforce(1, trained, reward, 0.5);
            double[][] normalAfter = table.probabilities(1, false);
            double[][] reduceAfter = table.probabilities(1, true);
            for (int e = 0; e < CellTopology.EDGES; e++) {
                double normalChange = normalAfter[e][4] - normalBefore[e][4];
                double reduceChange = reduceAfter[e][2] - reduceBefore[e][2];
                assertTrue(Math.signum(normalChange) == Math.signum(reward), "normal edge " + e + ": " + normalChange);
                assertTrue(Math.signum(reduceChange) == Math.signum(reward), "reduce edge " + e + ": " + reduceChange);
            }
            assertTrue(Arrays.deepEquals(otherBefore, table.probabilities(0, false)), "other clients' policies do not move");
        }
    }

    /**
     * The reference computes the reduction cell's gradient with the normal cell's probabilities. Where
     * the normal cell is already certain of the operation the reduction cell sampled, that bug gives
     * the reduction cell a zero gradient; with its own probabilities a positive reward raises it.
     */
    @Test
    void theReductionCellsGradientUsesItsOwnProbabilities() {
        PolicyTable initial = PolicyTable.initial(1, OPS.size(), 3);
        ServerState state = initial.into(ServerState.EMPTY);
        float[] certain = new float[CellTopology.EDGES * OPS.size()];
        for (int e = 0; e < CellTopology.EDGES; e++) {
            certain[e * OPS.size() + 5] = 40f;
        }
        state = state.withTensors(List.of(new NamedTensor("policy.normal", new int[] {1, CellTopology.EDGES,
                OPS.size()}, certain)));
        PolicyTable table = PolicyTable.from(state, 1, OPS.size());
        double before = table.probabilities(0, true)[0][5];
        table.reinforce(0, path(5, 5), 1.0, 0.5);
        double after = table.probabilities(0, true)[0][5];
        assertTrue(after > before + 0.05, "reduce probability of the rewarded op: " + before + " -> " + after);
    }

    @Test
    void theTableSurvivesTheServerStateAndSamplingIsSeeded() {
        PolicyTable table = PolicyTable.initial(4, OPS.size(), 5);
        table.reinforce(2, path(1, 6), 0.7, 0.5);
        table.recordAccuracy(2, 0.6);
        PolicyTable restored = PolicyTable.from(table.into(ServerState.EMPTY), 4, OPS.size());
        assertEquals(table.sample(2, OPS, new Random(9)), restored.sample(2, OPS, new Random(9)));
        assertEquals(table.argmax(2, OPS), restored.argmax(2, OPS));
        assertEquals(0.6, restored.best(2), 1e-7);
        assertTrue(Double.isNaN(restored.best(0)));
        assertEquals(0.6, restored.baseline(), 1e-7);
        // the second step continues Adam from the restored moments: both copies agree exactly
        table.reinforce(2, path(1, 6), 0.2, 0.5);
        restored.reinforce(2, path(1, 6), 0.2, 0.5);
        assertTrue(Arrays.deepEquals(table.probabilities(2, true), restored.probabilities(2, true)));
    }
}
