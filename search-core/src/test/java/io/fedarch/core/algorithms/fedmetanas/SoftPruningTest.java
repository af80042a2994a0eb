package io.fedarch.core.algorithms.fedmetanas;

import io.fedarch.core.darts.CellTopology;
import io.fedarch.core.darts.OperationMask;
import io.fedarch.core.darts.GenotypeDerivation;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;

import org.junit.jupiter.api.Test;

class SoftPruningTest {
    private static final List<String> OPS = List.of("none", "max_pool_3x3", "skip_connect", "sep_conv_3x3");

    @Test
    void thresholdAnnealsLinearlyBetweenStartAndEnd() {
        SoftPruning.Schedule schedule = new SoftPruning.Schedule(2, 6, 2);
        assertEquals(0.0, schedule.threshold(1));
        assertEquals(0.0, schedule.threshold(2));
        assertEquals(0.25, schedule.threshold(3));
        assertEquals(0.75, schedule.threshold(5));
        assertEquals(1.0, schedule.threshold(6));
        assertEquals(1.0, schedule.threshold(9));
        // Defaults: threshold 0 after a quarter of the rounds, 1 after half of them.
        assertEquals(new SoftPruning.Schedule(3, 5, 2), SoftPruning.Schedule.forRounds(10, 2));
        assertEquals(new SoftPruning.Schedule(2, 4, 2), SoftPruning.Schedule.forRounds(8, 2));
        assertEquals(new SoftPruning.Schedule(1, 2, 2), SoftPruning.Schedule.forRounds(4, 2));
        assertThrows(IllegalArgumentException.class, () -> new SoftPruning.Schedule(3, 2, 1));
        assertThrows(IllegalArgumentException.class, () -> new SoftPruning.Schedule(0, 2, 0));
    }

    /** α where node j's edges from states j and j+1 carry sep_conv_3x3 strongly; everything else is flat. */
    private static float[][] alpha() {
        float[][] alpha = new float[CellTopology.EDGES][OPS.size()];
        for (int node = 0; node < CellTopology.NODES; node++) {
            for (int source = node; source <= node + 1; source++) {
                alpha[CellTopology.edge(source, node)][3] = 3f;
            }
        }
        return alpha;
    }

    @Test
    void weakOperationsDecayOverTheDecayRoundsAndOnlyTheGenotypesPathSurvives() {
        SoftPruning.Schedule schedule = new SoftPruning.Schedule(0, 1, 2);
        OperationMask mask = OperationMask.full(OPS);
        SoftPruning.Step half = SoftPruning.next(alpha(), alpha(), mask, 1, schedule);
        assertEquals(1.0, half.threshold());
        OperationMask m1 = half.mask();
        int kept = CellTopology.edge(0, 0);
        int dropped = CellTopology.edge(0, 1); // node 1 keeps states 1 and 2
        assertEquals(1f, m1.factor(false, kept, 3), "the genotype's operation stays");
        assertEquals(0.5f, m1.factor(false, kept, 1), "a weaker operation on a kept edge decays by 1/2");
        assertEquals(0.5f, m1.factor(false, kept, 0), "'none' decays once the threshold is 1");
        assertEquals(0.5f, m1.factor(false, dropped, 3), "every operation of a dropped edge decays");
        assertEquals(2 * 14 * 4, m1.activeOperations(), "soft: nothing is cut at once");

        OperationMask m2 = SoftPruning.next(alpha(), alpha(), m1, 2, schedule).mask();
        assertEquals(2 * 8, m2.activeOperations(), "two rounds later only 8 operations per cell type remain");
        assertEquals(0, m2.decayingOperations());
        assertEquals(16, m2.activeEdges());
        assertEquals(GenotypeDerivation.derive(alpha(), alpha(), OPS), GenotypeDerivation.derive(alpha(), alpha(), OPS, m2));
        // Pruned for good: the mask after it cannot bring anything back.
        OperationMask m3 = SoftPruning.next(new float[14][4], new float[14][4], m2, 3, schedule).mask();
        assertEquals(16, m3.activeOperations());
    }

    @Test
    void belowTheStartNothingIsPrunedAndARecoveringOperationComesBack() {
        SoftPruning.Schedule schedule = new SoftPruning.Schedule(2, 4, 4);
        OperationMask full = OperationMask.full(OPS);
        assertEquals(full, SoftPruning.next(alpha(), alpha(), full, 1, schedule).mask());
        float[][] normal = full.rows(false);
        int edge = CellTopology.edge(0, 0);
        normal[edge][1] = 0.5f;
        OperationMask decaying = OperationMask.of(OPS, normal, full.rows(true));
        // At threshold 0 nothing is weak: the decaying operation recovers by 1/decayRounds.
        assertEquals(0.75f, SoftPruning.next(alpha(), alpha(), decaying, 1, schedule).mask().factor(false, edge, 1));
    }
}
