package io.fedarch.core.darts;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import ai.djl.nn.Parameter;
import io.fedarch.core.tensor.ModelParameters;
import io.fedarch.core.tensor.NamedTensor;

/**
 * Hands a derived network the weights its operations had in the supernet, so that evaluating or
 * fine-tuning an architecture starts from what the search trained rather than from scratch.
 * <p>
 * Stem, preprocessing and classifier tensors have the same names in both networks and are copied.
 * Each gene's operation is cut out of the stacked tensors of {@link MixedOperations} for its cell,
 * source state S and target node j: with E edges leaving S and the gene's edge at position
 * e = j − firstTarget(S) among them, C channels, and the operation at index i of the stacked
 * convolutions (or separable convolutions, or pools) in {@link MixedOperations#FUSION_ORDER},
 * <ul>
 *   <li>{@code <op>.dw1/dw2.weight}: rows [e·C, (e+1)·C);</li>
 *   <li>{@code convs.pw1.weight}, {@code convs.bn1.*}, and {@code sep_convs.pw2.weight},
 *       {@code sep_convs.bn2.*}: rows [(i·E + e)·C, (i·E + e + 1)·C);</li>
 *   <li>{@code pools.bn.*}: rows [i·C, (i+1)·C), shared by every edge of the state;</li>
 *   <li>stride-2 skip_connect: {@code conv_1/conv_2.weight} rows [e·C/2, (e+1)·C/2),
 *       {@code bn.*} rows [e·C, (e+1)·C).</li>
 * </ul>
 * Running statistics are sliced like the weights, so the derived network in inference mode
 * reproduces the supernet whose α selects the genotype.
 */
public final class WeightInheritance {
    /** The states a supernet cell concatenates: all intermediate nodes. */
    private static final List<Integer> SUPERNET_CONCAT = List.of(2, 3, 4, 5);

    private WeightInheritance() {
    }

    /** Where one derived tensor comes from: rows [from, from + rows) along the first axis of {@code source}. */
    private record Slice(String source, int from, int rows) {
    }

    /**
     * @param supernet        a darts-family model built with {@code supernetOptions}
     * @param supernetOptions the supernet's options (its ops decide which operations can be inherited)
     * @return every parameter of {@code new DerivedNetwork(DerivedOptions.of(supernetOptions, genotype))},
     *         in its order
     * @throws IllegalArgumentException when the genotype uses an operation the supernet lacks, does not
     *                                  fit the supernet's cells, or a tensor is missing or has another shape
     */
    public static ModelParameters fromSupernet(ModelParameters supernet, DartsOptions supernetOptions,
                                               Genotype genotype) {
        DerivedOptions options = DerivedOptions.of(supernetOptions, genotype);
        Map<String, Slice> slices = new LinkedHashMap<>();
        int channels = supernetOptions.channels();
        for (int layer = 0; layer < supernetOptions.layers(); layer++) {
            boolean reduction = supernetOptions.isReduction(layer);
            if (reduction) {
                channels *= 2;
            }
            String cellType = reduction ? "reduce" : "normal";
            List<Genotype.Gene> genes = reduction ? genotype.reduce() : genotype.normal();
            List<Integer> concat = reduction ? genotype.reduceConcat() : genotype.normalConcat();
            if (genes.size() / 2 > CellTopology.NODES) {
                throw new IllegalArgumentException("the genotype's " + cellType + " cell has " + genes.size() / 2
                        + " nodes but the supernet's cells have " + CellTopology.NODES);
            }
            if (!concat.equals(SUPERNET_CONCAT)) {
                throw new IllegalArgumentException("the genotype's " + cellType + "_concat is " + concat
                        + " but the supernet's cells concatenate " + SUPERNET_CONCAT);
            }
            String cell = DerivedNetwork.cellPrefix(layer);
            for (int g = 0; g < genes.size(); g++) {
                Genotype.Gene gene = genes.get(g);
                Primitive primitive = Primitive.fromName(gene.operation());
                if (!supernetOptions.operations().contains(primitive)) {
                    throw new IllegalArgumentException("the genotype's " + cellType + " cell uses "
                            + primitive.dartsName() + " (node " + g / 2 + ", input " + gene.input()
                            + ") but the supernet's ops " + supernetOptions.operationNames() + " do not include it");
                }
                addGene(slices, DerivedCell.operationPrefix(cell, g / 2, g % 2, primitive),
                        cell + ".state" + gene.input(), primitive, gene.input(), g / 2, channels,
                        reduction && gene.input() < 2, supernetOptions.operations());
            }
        }
        DerivedNetwork network = new DerivedNetwork(options);
        List<NamedTensor> tensors = new ArrayList<>();
        Set<String> used = new HashSet<>();
        for (Map.Entry<String, Parameter> e : network.namedParameters().entrySet()) {
            String name = e.getKey();
            int[] shape = Arrays.stream(e.getValue().getShape().getShape()).mapToInt(Math::toIntExact).toArray();
            Slice slice = slices.get(name);
            if (slice != null) {
                used.add(name);
            } else {
                slice = new Slice(name, 0, shape[0]);
            }
            tensors.add(cut(supernet, slice, name, shape));
        }
        if (used.size() != slices.size()) {
            slices.keySet().removeAll(used);
            throw new IllegalStateException("derived network lacks the inherited tensors " + slices.keySet());
        }
        return new ModelParameters(tensors);
    }

    /**
     * The tensors of one supernet edge's operation alone, cut out of the stacked tensors as for a gene
     * and named as {@link DerivedCell} names a gene's operation ({@code prefix.dw1.weight},
     * {@code prefix.bn1.running_mean}, …): what an export of a single path or of the relaxed supernet
     * evaluates on that edge. Parameter-free operations without BN (identity skip, 'none') have none.
     *
     * @param layer  the cell
     * @param source the edge's source state (0, 1: the cell inputs; 2..4: nodes 0..2)
     * @param node   the edge's target node (0-based)
     * @throws IllegalArgumentException when the supernet lacks a tensor or the edge does not exist
     */
    public static List<NamedTensor> edgeOperation(ModelParameters supernet, DartsOptions options, int layer,
                                                  int source, int node, Primitive primitive, String prefix) {
        CellTopology.edge(source, node);
        int channels = options.channels();
        for (int l = 0; l <= layer; l++) {
            if (options.isReduction(l)) {
                channels *= 2;
            }
        }
        boolean strided = options.isReduction(layer) && source < 2;
        Map<String, Slice> slices = new LinkedHashMap<>();
        addGene(slices, prefix, DerivedNetwork.cellPrefix(layer) + ".state" + source, primitive, source, node,
                channels, strided, options.operations());
        List<NamedTensor> tensors = new ArrayList<>();
        for (Map.Entry<String, Slice> e : slices.entrySet()) {
            Slice slice = e.getValue();
            if (!supernet.contains(slice.source())) {
                throw new IllegalArgumentException("the supernet has no tensor '" + slice.source() + "' (needed for '"
                        + e.getKey() + "'): is it a darts model built with these options?");
            }
            int[] shape = supernet.get(slice.source()).shape().clone();
            shape[0] = slice.rows();
            tensors.add(cut(supernet, slice, e.getKey(), shape));
        }
        return tensors;
    }

    /** The slices of one gene's operation; see the class comment for the layout. */
    private static void addGene(Map<String, Slice> slices, String derived, String state, Primitive primitive,
                                int source, int node, int channels, boolean strided, List<Primitive> operations) {
        int edges = CellTopology.outDegree(source);
        int edge = node - CellTopology.firstTarget(source);
        String op = state + "." + primitive.dartsName();
        if (primitive.isSeparableConv() || primitive.isDilatedConv()) {
            int stacked = (MixedOperations.stackedConvolutions(operations).indexOf(primitive) * edges + edge) * channels;
            slices.put(derived + ".dw1.weight", new Slice(op + ".dw1.weight", edge * channels, channels));
            slices.put(derived + ".pw1.weight", new Slice(state + ".convs.pw1.weight", stacked, channels));
            slices.put(derived + ".bn1.running_mean", new Slice(state + ".convs.bn1.running_mean", stacked, channels));
            slices.put(derived + ".bn1.running_var", new Slice(state + ".convs.bn1.running_var", stacked, channels));
        }
        if (primitive.isSeparableConv()) {
            int stacked = (MixedOperations.stackedSeparable(operations).indexOf(primitive) * edges + edge) * channels;
            slices.put(derived + ".dw2.weight", new Slice(op + ".dw2.weight", edge * channels, channels));
            slices.put(derived + ".pw2.weight", new Slice(state + ".sep_convs.pw2.weight", stacked, channels));
            slices.put(derived + ".bn2.running_mean", new Slice(state + ".sep_convs.bn2.running_mean", stacked, channels));
            slices.put(derived + ".bn2.running_var", new Slice(state + ".sep_convs.bn2.running_var", stacked, channels));
        }
        if (primitive.isPool()) {
            int stacked = MixedOperations.stackedPools(operations).indexOf(primitive) * channels;
            slices.put(derived + ".bn.running_mean", new Slice(state + ".pools.bn.running_mean", stacked, channels));
            slices.put(derived + ".bn.running_var", new Slice(state + ".pools.bn.running_var", stacked, channels));
        }
        if (primitive == Primitive.SKIP_CONNECT && strided) {
            int half = channels / 2;
            slices.put(derived + ".conv_1.weight", new Slice(op + ".conv_1.weight", edge * half, half));
            slices.put(derived + ".conv_2.weight", new Slice(op + ".conv_2.weight", edge * half, half));
            slices.put(derived + ".bn.running_mean", new Slice(op + ".bn.running_mean", edge * channels, channels));
            slices.put(derived + ".bn.running_var", new Slice(op + ".bn.running_var", edge * channels, channels));
        }
    }

    private static NamedTensor cut(ModelParameters supernet, Slice slice, String name, int[] expected) {
        if (!supernet.contains(slice.source())) {
            throw new IllegalArgumentException("the supernet has no tensor '" + slice.source() + "' (needed for '"
                    + name + "'): is it a darts model built with these options?");
        }
        NamedTensor source = supernet.get(slice.source());
        int[] shape = source.shape().clone();
        if (shape.length == 0 || slice.from() + slice.rows() > shape[0]) {
            throw new IllegalArgumentException("shapes disagree: '" + name + "' needs rows [" + slice.from() + ", "
                    + (slice.from() + slice.rows()) + ") of '" + source.name() + "' " + Arrays.toString(shape));
        }
        int rowSize = shape[0] == 0 ? 0 : source.size() / shape[0];
        shape[0] = slice.rows();
        if (!Arrays.equals(shape, expected)) {
            throw new IllegalArgumentException("shapes disagree: '" + name + "' has shape " + Arrays.toString(expected)
                    + " but its part of '" + source.name() + "' " + Arrays.toString(source.shape()) + " has shape "
                    + Arrays.toString(shape));
        }
        float[] values = Arrays.copyOfRange(source.values(), slice.from() * rowSize,
                (slice.from() + slice.rows()) * rowSize);
        return new NamedTensor(name, shape, values);
    }
}
