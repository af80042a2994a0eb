package io.fedarch.core.bench;

import java.util.ArrayList;
import java.util.List;

import io.fedarch.core.darts.CellTopology;
import io.fedarch.core.darts.Genotype;

/**
 * The search protocol's second hand-designed baseline: a MobileNet-style cell network built from the
 * DARTS space's own operations, so it has BN and the same building blocks as the searched network —
 * unlike fedarch's CNN, which has no BN and barely trains in the protocol's two rounds. Every
 * intermediate node adds a 3×3 depthwise-separable convolution of each of the two states before it
 * (a plain chain, no search); the reduction cell max-pools the cell's two inputs in its first node,
 * as hand-designed networks reduce with pooling. At the evaluation size (C=8, 5 cells) it has
 * 2.23 M MACs, within 20 % of the searched networks' 1.94–2.02 M.
 */
final class HandDesignedCell {
    static final String OPERATION = "sep_conv_3x3";
    static final String REDUCTION = "max_pool_3x3";

    private HandDesignedCell() {
    }

    static Genotype genotype() {
        List<Genotype.Gene> normal = chain();
        List<Genotype.Gene> reduce = chain();
        reduce.set(0, new Genotype.Gene(REDUCTION, 0));
        reduce.set(1, new Genotype.Gene(REDUCTION, 1));
        List<Integer> concat = new ArrayList<>();
        for (int s = 2; s < CellTopology.NODES + 2; s++) {
            concat.add(s);
        }
        return new Genotype(normal, concat, reduce, concat).validate();
    }

    /** Node j (state j + 2) reads states j and j + 1. */
    private static List<Genotype.Gene> chain() {
        List<Genotype.Gene> genes = new ArrayList<>();
        for (int node = 0; node < CellTopology.NODES; node++) {
            genes.add(new Genotype.Gene(OPERATION, node));
            genes.add(new Genotype.Gene(OPERATION, node + 1));
        }
        return genes;
    }
}
