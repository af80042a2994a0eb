package io.fedarch.core.darts;

import java.util.ArrayList;
import java.util.List;

import io.fedarch.core.tensor.ModelParameters;
import io.fedarch.core.tensor.NamedTensor;

/**
 * Turns architecture weights into a discrete architecture the DARTS way (DARTS's
 * {@code genotype()}/{@code _parse}): with W = softmax(α) per edge, every intermediate node keeps
 * its two incoming edges whose strongest non-'none' operation weighs most, each with that
 * operation. Ties resolve to the lower edge and the earlier operation, as DARTS's stable sort and
 * strict comparison do. The output concatenates all intermediate nodes (states 2..5).
 */
public final class GenotypeDerivation {
    private static final int KEPT_INPUTS = 2;

    private GenotypeDerivation() {
    }

    /** From a global model of the darts family ({@value SearchNetwork#ALPHA_NORMAL}, {@value SearchNetwork#ALPHA_REDUCE}). */
    public static Genotype derive(ModelParameters model, DartsOptions options) {
        List<String> ops = options.operationNames();
        return derive(table(model.get(SearchNetwork.ALPHA_NORMAL), ops.size()),
                table(model.get(SearchNetwork.ALPHA_REDUCE), ops.size()), ops);
    }

    /**
     * @param alphaNormal 14 rows (DARTS edge order) × one column per operation
     * @param operations  the column names, e.g. {@link DartsOptions#operationNames()}
     */
    public static Genotype derive(float[][] alphaNormal, float[][] alphaReduce, List<String> operations) {
        List<Integer> concat = new ArrayList<>();
        for (int s = 2 + CellTopology.NODES - DartsOptions.MULTIPLIER; s < CellTopology.NODES + 2; s++) {
            concat.add(s);
        }
        return new Genotype(parse(alphaNormal, operations), concat, parse(alphaReduce, operations), concat).validate();
    }

    /** One cell type's genes from its α table. */
    static List<Genotype.Gene> parse(float[][] alpha, List<String> operations) {
        if (alpha.length != CellTopology.EDGES) {
            throw new IllegalArgumentException("α needs " + CellTopology.EDGES + " rows, got " + alpha.length);
        }
        int none = operations.indexOf(Primitive.NONE.dartsName());
        if (operations.size() - (none >= 0 ? 1 : 0) < 1) {
            throw new IllegalArgumentException("no operation besides 'none' to choose from");
        }
        double[][] weights = new double[alpha.length][];
        for (int e = 0; e < alpha.length; e++) {
            if (alpha[e].length != operations.size()) {
                throw new IllegalArgumentException("α row " + e + " has " + alpha[e].length + " columns for "
                        + operations.size() + " operations");
            }
            weights[e] = softmax(alpha[e]);
        }
        List<Genotype.Gene> genes = new ArrayList<>();
        for (int node = 0; node < CellTopology.NODES; node++) {
            int inputs = node + 2;
            List<Integer> candidates = new ArrayList<>();
            for (int source = 0; source < inputs; source++) {
                candidates.add(source);
            }
            final int n = node;
            // Stable sort by descending strongest non-none weight: ties keep the lower input first.
            candidates.sort((a, b) -> Double.compare(strongest(weights[CellTopology.edge(b, n)], none),
                    strongest(weights[CellTopology.edge(a, n)], none)));
            for (int source : candidates.subList(0, KEPT_INPUTS)) {
                int best = best(weights[CellTopology.edge(source, node)], none);
                genes.add(new Genotype.Gene(operations.get(best), source));
            }
        }
        return genes;
    }

    private static double strongest(double[] w, int none) {
        return w[best(w, none)];
    }

    /** Index of the largest weight other than 'none'; the first one on ties. */
    private static int best(double[] w, int none) {
        int best = -1;
        for (int k = 0; k < w.length; k++) {
            if (k != none && (best < 0 || w[k] > w[best])) {
                best = k;
            }
        }
        return best;
    }

    static double[] softmax(float[] row) {
        double max = Double.NEGATIVE_INFINITY;
        for (float v : row) {
            max = Math.max(max, v);
        }
        double sum = 0;
        double[] out = new double[row.length];
        for (int k = 0; k < row.length; k++) {
            out[k] = Math.exp(row[k] - max);
            sum += out[k];
        }
        for (int k = 0; k < row.length; k++) {
            out[k] /= sum;
        }
        return out;
    }

    private static float[][] table(NamedTensor tensor, int columns) {
        int[] shape = tensor.shape();
        if (shape.length != 2 || shape[0] != CellTopology.EDGES || shape[1] != columns) {
            throw new IllegalArgumentException(tensor.name() + " has shape " + java.util.Arrays.toString(shape)
                    + ", expected [" + CellTopology.EDGES + ", " + columns + "]");
        }
        float[][] rows = new float[shape[0]][];
        for (int r = 0; r < shape[0]; r++) {
            rows[r] = java.util.Arrays.copyOfRange(tensor.values(), r * columns, (r + 1) * columns);
        }
        return rows;
    }
}
