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

    /**
     * From a global model of the darts family ({@value SearchNetwork#ALPHA_NORMAL}, {@value SearchNetwork#ALPHA_REDUCE}),
     * with the options' collapse guard ({@link DartsOptions#maxParameterFree()}, see {@link ParameterFreeCap}).
     */
    public static Genotype derive(ModelParameters model, DartsOptions options) {
        List<String> ops = options.operationNames();
        float[][] normal = table(model.get(SearchNetwork.ALPHA_NORMAL), ops.size());
        float[][] reduce = table(model.get(SearchNetwork.ALPHA_REDUCE), ops.size());
        Genotype genotype = derive(normal, reduce, ops);
        return ParameterFreeCap.apply(genotype, normal, reduce, ops, options.maxParameterFree());
    }

    /**
     * Within a soft-pruning mask: each operation's weight is m·exp(α) normalised over its edge
     * (softmax(α + log m)), so pruned operations and edges are never chosen.
     */
    public static Genotype derive(ModelParameters model, DartsOptions options, OperationMask mask) {
        List<String> ops = options.operationNames();
        mask.requireFits(options);
        return derive(table(model.get(SearchNetwork.ALPHA_NORMAL), ops.size()),
                table(model.get(SearchNetwork.ALPHA_REDUCE), ops.size()), ops, mask);
    }

    /**
     * @param alphaNormal 14 rows (DARTS edge order) × one column per operation
     * @param operations  the column names, e.g. {@link DartsOptions#operationNames()}
     */
    public static Genotype derive(float[][] alphaNormal, float[][] alphaReduce, List<String> operations) {
        return derive(alphaNormal, alphaReduce, operations, null);
    }

    /** @param mask null = no mask */
    public static Genotype derive(float[][] alphaNormal, float[][] alphaReduce, List<String> operations,
                                  OperationMask mask) {
        List<Integer> concat = new ArrayList<>();
        for (int s = 2 + CellTopology.NODES - DartsOptions.MULTIPLIER; s < CellTopology.NODES + 2; s++) {
            concat.add(s);
        }
        return new Genotype(parse(alphaNormal, mask == null ? null : mask.rows(false), operations), concat,
                parse(alphaReduce, mask == null ? null : mask.rows(true), operations), concat).validate();
    }

    /** One cell type's genes from its α table. */
    static List<Genotype.Gene> parse(float[][] alpha, List<String> operations) {
        return parse(alpha, null, operations);
    }

    /** One cell type's genes from its α table and keep factors (null = all ones). */
    static List<Genotype.Gene> parse(float[][] alpha, float[][] factors, List<String> operations) {
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
            weights[e] = factors == null ? softmax(alpha[e]) : maskedSoftmax(alpha[e], factors[e]);
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

    /** m·exp(α) normalised over the row; all zeros when every factor is 0. */
    public static double[] maskedSoftmax(float[] row, float[] factors) {
        double max = Double.NEGATIVE_INFINITY;
        for (int k = 0; k < row.length; k++) {
            if (factors[k] > 0) {
                max = Math.max(max, row[k]);
            }
        }
        double[] out = new double[row.length];
        if (max == Double.NEGATIVE_INFINITY) {
            return out;
        }
        double sum = 0;
        for (int k = 0; k < row.length; k++) {
            out[k] = factors[k] * Math.exp(row[k] - max);
            sum += out[k];
        }
        for (int k = 0; k < row.length; k++) {
            out[k] /= sum;
        }
        return out;
    }

    public static double[] softmax(float[] row) {
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

    public static float[][] table(NamedTensor tensor, int columns) {
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
