package io.fedarch.core.export.onnx;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import io.fedarch.core.darts.CellTopology;
import io.fedarch.core.darts.DartsFamily;
import io.fedarch.core.darts.DartsOptions;
import io.fedarch.core.darts.OperationMask;
import io.fedarch.core.darts.Primitive;
import io.fedarch.core.darts.SearchNetwork;
import io.fedarch.core.darts.WeightInheritance;
import io.fedarch.core.tensor.NamedTensor;

/**
 * {@link SearchNetwork} (family "darts") in inference mode: the stem, the search cells and the
 * classifier, every edge the sum of its operations weighted by softmax(α + log m) of its row of the
 * cell type's α table (m: the keep factors of an {@link OperationMask}, all 1 without one).
 * <ul>
 *   <li>Without a mask this is the relaxed supernet SearchNetwork computes by default (FedNAS's
 *       per-client deliveries, supernets delivered as trained).</li>
 *   <li>With a one-hot mask it is a single path (PerFedRLNAS's client subnets): every edge carries its one
 *       operation with weight exactly 1, so the mixing multiplies are left out.</li>
 * </ul>
 * As in SearchNetwork's masked (sparse) forward, operations with keep factor 0 and 'none' are not
 * evaluated, a node none of whose incoming operations is active is zeros in the cell's output, and the
 * edges leaving it are skipped. Each operation reads its own rows of the supernet's stacked tensors
 * ({@link WeightInheritance#edgeOperation}) and is written by {@link DartsOperations}.
 * Partial channels (PC-DARTS, partialChannels &gt; 1) are not translated.
 */
final class SupernetTranslator implements OnnxTranslator {
    private final OperationMask mask;

    /** @param mask the keep factors the network mixes with, or null for none (the relaxed supernet) */
    SupernetTranslator(OperationMask mask) {
        this.mask = mask;
    }

    @Override
    public String family() {
        return DartsFamily.NAME;
    }

    @Override
    public boolean supports(Map<String, String> options) {
        try {
            return DartsOptions.parse(options).partialChannels() == 1;
        } catch (IllegalArgumentException e) {
            return false;
        }
    }

    @Override
    public String translate(Map<String, String> options, OnnxLayers layers, String input) {
        DartsOptions o = DartsOptions.parse(options);
        if (o.partialChannels() != 1) {
            throw new IllegalArgumentException("no ONNX export for a darts supernet with partialChannels "
                    + o.partialChannels() + " (PC-DARTS); only partialChannels 1 is translated");
        }
        if (mask != null) {
            mask.requireFits(o);
        }
        DartsOperations ops = new DartsOperations(layers);
        float[][] normal = mixingWeights(layers, SearchNetwork.ALPHA_NORMAL, false, o);
        float[][] reduce = mixingWeights(layers, SearchNetwork.ALPHA_REDUCE, true, o);
        String stem = layers.batchNorm(layers.conv(input, "stem.conv.weight", null, o.stemStride(), 1, 1, 1), "stem.bn");
        String s0 = stem;
        String s1 = stem;
        boolean reductionPrev = false;
        for (int layer = 0; layer < o.layers(); layer++) {
            boolean reduction = o.isReduction(layer);
            String next = cell(ops, o, layer, s0, s1, reduction, reductionPrev, reduction ? reduce : normal);
            s0 = s1;
            s1 = next;
            reductionPrev = reduction;
        }
        return layers.linear(layers.globalAveragePoolFlat(s1), "classifier.weight", "classifier.bias");
    }

    /**
     * One cell as SearchCell computes it: preprocessed inputs; node j the sum over earlier states s
     * (in order) of the active operations of edge (s, j), each times its mixing weight; the four nodes
     * concatenated.
     */
    private String cell(DartsOperations ops, DartsOptions o, int layer, String s0, String s1, boolean reduction,
                        boolean reductionPrev, float[][] weights) {
        OnnxLayers layers = ops.layers();
        String prefix = "cells." + layer;
        String[] states = new String[CellTopology.NODES + 2];
        states[0] = reductionPrev ? ops.factorizedReduce(s0, prefix + ".preprocess0")
                : ops.reluConvBn(s0, prefix + ".preprocess0");
        states[1] = ops.reluConvBn(s1, prefix + ".preprocess1");
        List<Primitive> operations = o.operations();
        for (int node = 0; node < CellTopology.NODES; node++) {
            String sum = null;
            for (int source = 0; source <= node + 1; source++) {
                if (states[source] == null) {
                    continue;  // a dead node feeds nothing
                }
                int edge = CellTopology.edge(source, node);
                int stride = reduction && source < 2 ? 2 : 1;
                for (int column = 0; column < operations.size(); column++) {
                    Primitive primitive = operations.get(column);
                    if (primitive == Primitive.NONE || !active(reduction, edge, column)) {
                        continue;
                    }
                    String opPrefix = prefix + ".state" + source + ".edge" + node + "." + primitive.dartsName();
                    List<NamedTensor> tensors = WeightInheritance.edgeOperation(layers.parameters(), o, layer, source,
                            node, primitive, opPrefix);
                    layers.supply(tensors);
                    String out = ops.operation(states[source], opPrefix, primitive, stride);
                    float weight = weights[edge][column];
                    if (weight != 1f) {
                        out = layers.scale(out, opPrefix + ".mixing_weight", weight);
                    }
                    sum = sum == null ? out : layers.add(sum, out);
                }
            }
            states[node + 2] = sum;
        }
        List<String> nodes = new ArrayList<>();
        for (int node = 0; node < CellTopology.NODES; node++) {
            String state = states[node + 2];
            nodes.add(state != null ? state : zerosLike(layers, states[1], reduction, prefix + ".node" + node + ".zero"));
        }
        return layers.concatChannels(nodes);
    }

    /** Whether SearchNetwork evaluates the operation: all are without a mask, else those with keep factor &gt; 0. */
    private boolean active(boolean reduction, int edge, int column) {
        return mask == null || mask.factor(reduction, edge, column) > 0f;
    }

    /** Zeros shaped like the cell's nodes: {@code like} (N, C, H, W) at the cell's output resolution. */
    private static String zerosLike(OnnxLayers layers, String like, boolean reduction, String name) {
        String sized = reduction ? layers.everyOtherPixel(like) : like;
        return layers.scale(sized, name, 0f);
    }

    /**
     * softmax(α + log m) of each edge's row, as {@code GumbelSoftmax.relaxed} computes it (log 0 is
     * a large negative number, so a pruned operation gets exactly 0 and a one-hot row exactly 1).
     */
    private float[][] mixingWeights(OnnxLayers layers, String alphaName, boolean reduction, DartsOptions o) {
        int columns = o.operations().size();
        NamedTensor alpha = layers.parameters().contains(alphaName) ? layers.parameters().get(alphaName) : null;
        if (alpha == null || alpha.shape().length != 2 || alpha.shape()[0] != CellTopology.EDGES
                || alpha.shape()[1] != columns) {
            throw new IllegalArgumentException("the supernet's parameters lack " + alphaName + " of shape ["
                    + CellTopology.EDGES + ", " + columns + "]");
        }
        float[][] weights = new float[CellTopology.EDGES][columns];
        for (int e = 0; e < CellTopology.EDGES; e++) {
            double[] logits = new double[columns];
            double max = Double.NEGATIVE_INFINITY;
            for (int c = 0; c < columns; c++) {
                float factor = mask == null ? 1f : mask.factor(reduction, e, c);
                logits[c] = alpha.values()[e * columns + c] + (factor > 0f ? Math.log(factor) : -1e30);
                max = Math.max(max, logits[c]);
            }
            double total = 0;
            for (int c = 0; c < columns; c++) {
                logits[c] = Math.exp(logits[c] - max);
                total += logits[c];
            }
            for (int c = 0; c < columns; c++) {
                weights[e][c] = (float) (logits[c] / total);
            }
        }
        return weights;
    }
}
