package io.fedarch.core.darts;

import java.util.Arrays;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * What each operation of each edge adds to a DARTS network's multiply–accumulates per image, for
 * cost-aware search (Meta-DNAS's complexity regulariser). An edge's α row is shared by every cell
 * of its type, so a cost is summed over those cells.
 * <p>
 * The figures are {@link PathCost}'s, taken as differences: with a reference path that uses the
 * first operation other than 'none' on every edge (so every state is read and every preprocessing
 * convolution counts), {@code cost(t, e, o)} is what replacing edge e's operation of cell type t by
 * o changes (0 for the reference operation), and {@link #fixedMacs()} is the reference path's total.
 * Any single path that reads both cell inputs then costs exactly {@code fixedMacs + Σ edges cost(t, e, o_e)}
 * (a test checks this against PathCost); the expected cost and its gradient follow from the same sum.
 */
public final class OperationCosts {
    private static final Map<DartsOptions, OperationCosts> CACHE = new ConcurrentHashMap<>();

    private final DartsOptions options;
    private final double fixedMacs;
    /** [cell type: 0 normal, 1 reduce][edge][operation]. */
    private final double[][][] edgeMacs;

    private OperationCosts(DartsOptions options, double fixedMacs, double[][][] edgeMacs) {
        this.options = options;
        this.fixedMacs = fixedMacs;
        this.edgeMacs = edgeMacs;
    }

    public static OperationCosts of(DartsOptions options) {
        return CACHE.computeIfAbsent(options, OperationCosts::count);
    }

    private static OperationCosts count(DartsOptions options) {
        int ops = options.operations().size();
        int reference = options.operations().indexOf(Primitive.NONE) == 0 && ops > 1 ? 1 : 0;
        if (options.operations().get(reference) == Primitive.NONE) {
            throw new IllegalArgumentException("costs need an operation other than 'none'");
        }
        int[] base = new int[CellTopology.EDGES];
        Arrays.fill(base, reference);
        double baseMacs = PathCost.of(options, new SinglePath(options.operationNames(), base, base)).macs();
        double[][][] costs = new double[2][CellTopology.EDGES][ops];
        for (int type = 0; type < 2; type++) {
            for (int e = 0; e < CellTopology.EDGES; e++) {
                for (int o = 0; o < ops; o++) {
                    int[] changed = base.clone();
                    changed[e] = o;
                    SinglePath path = type == 0 ? new SinglePath(options.operationNames(), changed, base)
                            : new SinglePath(options.operationNames(), base, changed);
                    costs[type][e][o] = PathCost.of(options, path).macs() - baseMacs;
                }
            }
        }
        return new OperationCosts(options, baseMacs, costs);
    }

    public DartsOptions options() {
        return options;
    }

    /** The reference path's cost: stem, preprocessing, classifier and the reference operation on every edge. */
    public double fixedMacs() {
        return fixedMacs;
    }

    /** What operation {@code operation} on edge {@code edge} of every cell of the type adds to the reference path. */
    public double edgeMacs(boolean reduction, int edge, int operation) {
        return edgeMacs[reduction ? 1 : 0][edge][operation];
    }

    /** A single path's cost (exact when it reads both cell inputs of every cell). */
    public double macs(SinglePath path) {
        double total = fixedMacs;
        for (int type = 0; type < 2; type++) {
            int[] choices = path.choices(type == 1);
            for (int e = 0; e < CellTopology.EDGES; e++) {
                total += edgeMacs[type][e][choices[e]];
            }
        }
        return total;
    }

    /** The most expensive single path's cost: every edge at its dearest operation. */
    public double maxMacs() {
        double total = fixedMacs;
        for (double[][] type : edgeMacs) {
            for (double[] edge : type) {
                total += Arrays.stream(edge).max().orElse(0);
            }
        }
        return total;
    }

    /**
     * The expected cost of the architecture sampled edge by edge from softmax(α):
     * fixed + Σ_t Σ_e Σ_o softmax(α_t,e)_o · cost(t, e, o).
     *
     * @param alphaNormal row-major (edges × operations), as the α tensor holds it
     */
    public double expectedMacs(float[] alphaNormal, float[] alphaReduce) {
        return fixedMacs + expected(alphaNormal, 0) + expected(alphaReduce, 1);
    }

    /**
     * ∂ E_α[MACs] / ∂α for one cell type: for edge e with probabilities p = softmax(α_e),
     * ∂/∂α_e,j = p_j · (cost(e, j) − Σ_o p_o cost(e, o)).
     */
    public double[] expectedMacsGradient(float[] alpha, boolean reduction) {
        int type = reduction ? 1 : 0;
        int ops = options.operations().size();
        requireShape(alpha);
        double[] gradient = new double[alpha.length];
        for (int e = 0; e < CellTopology.EDGES; e++) {
            double[] p = GenotypeDerivation.softmax(Arrays.copyOfRange(alpha, e * ops, (e + 1) * ops));
            double mean = 0;
            for (int o = 0; o < ops; o++) {
                mean += p[o] * edgeMacs[type][e][o];
            }
            for (int o = 0; o < ops; o++) {
                gradient[e * ops + o] = p[o] * (edgeMacs[type][e][o] - mean);
            }
        }
        return gradient;
    }

    private double expected(float[] alpha, int type) {
        int ops = options.operations().size();
        requireShape(alpha);
        double total = 0;
        for (int e = 0; e < CellTopology.EDGES; e++) {
            double[] p = GenotypeDerivation.softmax(Arrays.copyOfRange(alpha, e * ops, (e + 1) * ops));
            for (int o = 0; o < ops; o++) {
                total += p[o] * edgeMacs[type][e][o];
            }
        }
        return total;
    }

    private void requireShape(float[] alpha) {
        int expected = CellTopology.EDGES * options.operations().size();
        if (alpha.length != expected) {
            throw new IllegalArgumentException("α has " + alpha.length + " values; this space needs " + expected);
        }
    }
}
