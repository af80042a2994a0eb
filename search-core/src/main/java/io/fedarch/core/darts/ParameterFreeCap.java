package io.fedarch.core.darts;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * The collapse guard applied when a genotype is derived: a cell keeps at most {@code cap}
 * parameter-free operations (skip, pooling); the weakest of the others (by their softmax weight on
 * their edge) are replaced by the strongest operation with weights on the same edge, so the cell's
 * wiring is unchanged. This is P-DARTS's rule (Chen et al., 2019: at most M = 2 skip connections per
 * normal cell) extended to pooling, because fedarch's measured collapse was a reduction cell of 7
 * pooling edges out of 8 (bench/results/fednas-vs-fedavg/README.md). Chosen over DARTS-'s auxiliary skip and over
 * regularising α because it costs no search time, needs no extra tuning, and still works when α
 * is nearly uniform — the state a short federated search ends in.
 */
public final class ParameterFreeCap {
    private ParameterFreeCap() {
    }

    /**
     * @param normal     α of the normal cell, 14 rows × operations
     * @param operations the α column names
     * @param cap        the most parameter-free operations a cell keeps; {@link DartsOptions#NO_CAP} or more = unchanged
     */
    public static Genotype apply(Genotype genotype, float[][] normal, float[][] reduce, List<String> operations,
                                 int cap) {
        if (cap >= DartsOptions.NO_CAP) {
            return genotype;
        }
        return new Genotype(capCell(genotype.normal(), normal, operations, cap), genotype.normalConcat(),
                capCell(genotype.reduce(), reduce, operations, cap), genotype.reduceConcat()).validate();
    }

    static List<Genotype.Gene> capCell(List<Genotype.Gene> genes, float[][] alpha, List<String> operations, int cap) {
        List<Integer> free = new ArrayList<>();
        for (int i = 0; i < genes.size(); i++) {
            if (Primitive.fromName(genes.get(i).operation()).isParameterFree()) {
                free.add(i);
            }
        }
        if (free.size() <= cap) {
            return genes;
        }
        List<Genotype.Gene> out = new ArrayList<>(genes);
        // Weakest first (a stable sort: among equal weights the earlier gene is replaced first).
        free.sort(Comparator.comparingDouble(i -> weight(genes, i, alpha, operations)));
        for (int i : free.subList(0, free.size() - cap)) {
            Genotype.Gene gene = genes.get(i);
            double[] w = GenotypeDerivation.softmax(alpha[CellTopology.edge(gene.input(), i / 2)]);
            int best = -1;
            for (int k = 0; k < operations.size(); k++) {
                Primitive p = Primitive.fromName(operations.get(k));
                if (p != Primitive.NONE && !p.isParameterFree() && (best < 0 || w[k] > w[best])) {
                    best = k;
                }
            }
            if (best >= 0) {
                out.set(i, new Genotype.Gene(operations.get(best), gene.input()));
            }
        }
        return out;
    }

    /** The softmax weight of gene {@code i}'s operation on its edge. */
    private static double weight(List<Genotype.Gene> genes, int i, float[][] alpha, List<String> operations) {
        Genotype.Gene gene = genes.get(i);
        return GenotypeDerivation.softmax(alpha[CellTopology.edge(gene.input(), i / 2)])[operations.indexOf(gene.operation())];
    }
}
