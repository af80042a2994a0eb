package io.fedarch.core.darts;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import java.util.List;

import org.junit.jupiter.api.Test;

/** The collapse guard: at most maxParameterFree parameter-free operations per derived cell. */
class ParameterFreeCapTest {
    private static final List<String> OPS = DartsOptions.DEFAULTS.operationNames();

    /** A collapsed α: on every edge max pooling is strongest, then skip, then (edge-dependent) a convolution. */
    private static float[][] collapsed() {
        float[][] alpha = new float[CellTopology.EDGES][OPS.size()];
        for (int e = 0; e < alpha.length; e++) {
            alpha[e][OPS.indexOf("max_pool_3x3")] = 3 + e * 0.01f;
            alpha[e][OPS.indexOf("skip_connect")] = 2;
            alpha[e][OPS.indexOf(e % 2 == 0 ? "sep_conv_3x3" : "dil_conv_5x5")] = 1;
        }
        return alpha;
    }

    private static long parameterFree(List<Genotype.Gene> genes) {
        return genes.stream().filter(g -> Primitive.fromName(g.operation()).isParameterFree()).count();
    }

    @Test
    void aCollapsedCellKeepsItsStrongestParameterFreeOperationsAndItsWiring() {
        float[][] alpha = collapsed();
        Genotype plain = GenotypeDerivation.derive(alpha, alpha, OPS);
        assertEquals(8, parameterFree(plain.normal()), "without a guard DARTS derives an all-pooling cell");

        Genotype capped = ParameterFreeCap.apply(plain, alpha, alpha, OPS, 2);
        for (List<Genotype.Gene> cell : List.of(capped.normal(), capped.reduce())) {
            assertEquals(2, parameterFree(cell));
        }
        for (int i = 0; i < plain.normal().size(); i++) {
            Genotype.Gene before = plain.normal().get(i);
            Genotype.Gene after = capped.normal().get(i);
            assertEquals(before.input(), after.input(), "the wiring is kept");
            int edge = CellTopology.edge(before.input(), i / 2);
            if (!after.equals(before)) {
                // Replaced by the edge's strongest operation with weights.
                assertEquals(edge % 2 == 0 ? "sep_conv_3x3" : "dil_conv_5x5", after.operation());
            }
        }
        // The kept pools are the strongest ones: the edges with the largest max_pool weight (the highest edge indices).
        List<Integer> keptEdges = new java.util.ArrayList<>();
        for (int i = 0; i < capped.normal().size(); i++) {
            Genotype.Gene g = capped.normal().get(i);
            if (Primitive.fromName(g.operation()).isParameterFree()) {
                keptEdges.add(CellTopology.edge(g.input(), i / 2));
            }
        }
        List<Integer> allEdges = new java.util.ArrayList<>();
        for (int i = 0; i < plain.normal().size(); i++) {
            allEdges.add(CellTopology.edge(plain.normal().get(i).input(), i / 2));
        }
        allEdges.sort(java.util.Comparator.reverseOrder());
        keptEdges.sort(java.util.Comparator.reverseOrder());
        assertEquals(allEdges.subList(0, 2), keptEdges);
    }

    @Test
    void noCapLeavesTheGenotypeAloneAndTheOptionReachesDerivationCappedAtTwoByDefault() {
        float[][] alpha = collapsed();
        Genotype plain = GenotypeDerivation.derive(alpha, alpha, OPS);
        assertEquals(plain, ParameterFreeCap.apply(plain, alpha, alpha, OPS, DartsOptions.NO_CAP));
        Genotype none = ParameterFreeCap.apply(plain, alpha, alpha, OPS, 0);
        assertEquals(0, parameterFree(none.normal()));
        assertEquals(0, parameterFree(none.reduce()));
        assertNotEquals(plain, none);
        DartsOptions guarded = DartsOptions.parse(java.util.Map.of("maxParameterFree", "2"));
        assertEquals(2, guarded.maxParameterFree());
        // On by default (P-DARTS's M = 2); 8 switches it off.
        assertEquals(2, DartsOptions.DEFAULTS.maxParameterFree());
        assertEquals(2, DartsOptions.parse(java.util.Map.of()).maxParameterFree());
        assertEquals(DartsOptions.NO_CAP, DartsOptions.parse(java.util.Map.of("maxParameterFree", "8")).maxParameterFree());
    }
}
