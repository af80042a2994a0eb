package io.fedarch.core.darts;

import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;
import ai.djl.nn.Parameter;
import ai.djl.nn.pooling.Pool;
import io.fedarch.core.model.BatchNormLayer;
import io.fedarch.core.model.ParameterRegistry;

/**
 * The DARTS mixed operations of every edge that leaves one cell state, evaluated together.
 * <p>
 * Each edge computes Σ_o softmax(α_edge)_o · o(x) over the candidate operations. A state feeds up
 * to four edges, and all of them read the same input, so instead of one small call per operation,
 * edge and layer (about 45 engine calls per edge, 14 edges per cell) this class batches the work:
 * <ul>
 *   <li>ReLU(x) is computed once and shared by every convolutional candidate of every edge;</li>
 *   <li>the first (ReLU, depthwise k×k, pointwise, BN) stage of sep_conv and dil_conv is one
 *       depthwise call per kernel type over the edge-tiled input, then one batched pointwise
 *       product ({@link Tensors#groupedPointwise}) and one BN for all of them; the second sep_conv
 *       stage likewise;</li>
 *   <li>max/avg pooling and their affine-free BN do not depend on the edge (no weights, same input,
 *       identical running statistics), so they are computed once per state;</li>
 *   <li>'none' outputs zeros, so it is dropped from the sum (its softmax mass still normalises the
 *       other weights, so α_none keeps its gradient);</li>
 *   <li>the weighted sum over candidates is one multiply and one reduction for all edges.</li>
 * </ul>
 * Weights are stacked edge-major inside each tensor (edges ordered by target node), so every
 * edge still has its own independent parameters exactly as in DARTS.
 * Candidates are evaluated in a fixed fusion order: {@link #FUSION_ORDER}.
 */
final class MixedOperations {
    /** Order of the candidate outputs (and of the mixing weights' first axis). */
    static final List<Primitive> FUSION_ORDER = List.of(Primitive.SEP_CONV_3X3, Primitive.SEP_CONV_5X5,
            Primitive.DIL_CONV_3X3, Primitive.DIL_CONV_5X5, Primitive.MAX_POOL_3X3, Primitive.AVG_POOL_3X3,
            Primitive.SKIP_CONNECT);

    private final int channels;
    private final int stride;
    private final int edges;
    private final List<Primitive> convOps = new ArrayList<>();
    private final List<Primitive> sepOps = new ArrayList<>();
    private final List<Primitive> poolOps = new ArrayList<>();
    private final boolean skip;
    private final List<Parameter> depthwise1 = new ArrayList<>();
    private final List<Parameter> depthwise2 = new ArrayList<>();
    private final Parameter pointwise1;
    private final BatchNormLayer norm1;
    private final Parameter pointwise2;
    private final BatchNormLayer norm2;
    private final BatchNormLayer poolNorm;
    private final FactorizedReduce reduceSkip;

    /**
     * @param operations the configured candidates (any order; 'none' allowed)
     * @param edges      how many edges leave this state
     */
    MixedOperations(ParameterRegistry registry, String prefix, int channels, int stride, int edges,
                    List<Primitive> operations) {
        this.channels = channels;
        this.stride = stride;
        this.edges = edges;
        convOps.addAll(stackedConvolutions(operations));
        sepOps.addAll(stackedSeparable(operations));
        poolOps.addAll(stackedPools(operations));
        this.skip = operations.contains(Primitive.SKIP_CONNECT);
        long perOp = (long) edges * channels;
        for (Primitive p : convOps) {
            depthwise1.add(registry.weight(prefix + "." + p.dartsName() + ".dw1.weight", perOp, 1, p.kernel(), p.kernel()));
        }
        if (!convOps.isEmpty()) {
            pointwise1 = registry.weight(prefix + ".convs.pw1.weight", convOps.size() * perOp, channels, 1, 1);
            norm1 = new BatchNormLayer(registry, prefix + ".convs.bn1", (int) (convOps.size() * perOp), false);
        } else {
            pointwise1 = null;
            norm1 = null;
        }
        for (Primitive p : sepOps) {
            depthwise2.add(registry.weight(prefix + "." + p.dartsName() + ".dw2.weight", perOp, 1, p.kernel(), p.kernel()));
        }
        if (!sepOps.isEmpty()) {
            pointwise2 = registry.weight(prefix + ".sep_convs.pw2.weight", sepOps.size() * perOp, channels, 1, 1);
            norm2 = new BatchNormLayer(registry, prefix + ".sep_convs.bn2", (int) (sepOps.size() * perOp), false);
        } else {
            pointwise2 = null;
            norm2 = null;
        }
        poolNorm = poolOps.isEmpty() ? null
                : new BatchNormLayer(registry, prefix + ".pools.bn", poolOps.size() * channels, false);
        reduceSkip = skip && stride == 2
                ? new FactorizedReduce(registry, prefix + ".skip_connect", channels, channels, edges, false) : null;
    }

    /**
     * The convolutional candidates in their stacking order (separable first, then dilated, each in
     * {@link #FUSION_ORDER}): the op-major block order of {@code convs.pw1.weight} and {@code convs.bn1}.
     */
    static List<Primitive> stackedConvolutions(List<Primitive> operations) {
        return FUSION_ORDER.stream().filter(operations::contains)
                .filter(p -> p.isSeparableConv() || p.isDilatedConv()).toList();
    }

    /** The separable candidates in the block order of {@code sep_convs.pw2.weight} and {@code sep_convs.bn2}. */
    static List<Primitive> stackedSeparable(List<Primitive> operations) {
        return FUSION_ORDER.stream().filter(operations::contains).filter(Primitive::isSeparableConv).toList();
    }

    /** The pooling candidates in the block order of {@code pools.bn}. */
    static List<Primitive> stackedPools(List<Primitive> operations) {
        return FUSION_ORDER.stream().filter(operations::contains).filter(Primitive::isPool).toList();
    }

    /**
     * @param x       the state, (N, C, H, W)
     * @param weights softmax(α) of this state's edges for the non-'none' candidates in
     *                {@link #FUSION_ORDER}, shaped (1, candidates, edges, 1, 1, 1)
     * @return every edge's mixed output, (N, edges, C, H/stride, W/stride), edges ordered by target node
     */
    NDArray apply(NDArray x, NDArray weights, boolean training) {
        Shape in = x.getShape();
        long n = in.get(0);
        long h = Tensors.strided((int) in.get(2), stride);
        long w = Tensors.strided((int) in.get(3), stride);
        long perOp = (long) edges * channels;
        int separable = sepOps.size();
        int dilated = convOps.size() - separable;
        boolean identitySkip = skip && reduceSkip == null;
        // The mixing weights by candidate group, in FUSION_ORDER: separable, dilated, pools, skip.
        NDList groups = splitAxis1(weights, separable, dilated, poolOps.size(), skip ? 1 : 0);
        int g = 0;
        NDArray sepWeights = separable > 0 ? groups.get(g++) : null;
        NDArray dilWeights = dilated > 0 ? groups.get(g++) : null;
        NDArray poolWeights = !poolOps.isEmpty() ? groups.get(g++) : null;
        NDArray skipWeights = skip ? groups.get(g) : null;
        NDArray mixed = null;
        NDArray activated = !convOps.isEmpty() || reduceSkip != null ? Activation.relu(x) : null;
        if (!convOps.isEmpty()) {
            // Copy the input once per edge (channels-last, for the depthwise kernels) so one depthwise
            // call serves every edge's own kernels.
            NDArray tiled = Tensors.tiledChannelsLast(activated, edges);
            // Dilated kernels read a row-major copy: libtorch's channels-last dilated depthwise backward is
            // wrong on some CPUs (Tensors#conv).
            NDArray tiledRowMajor = null;
            NDList firstStage = new NDList();
            for (int i = 0; i < convOps.size(); i++) {
                Primitive p = convOps.get(i);
                NDArray kernel = depthwise1.get(i).getArray();
                if (p.dilation() == 1) {
                    firstStage.add(Tensors.depthwiseOnChannelsLast(tiled, kernel, stride, p.padding(), 1));
                } else {
                    tiledRowMajor = tiledRowMajor != null ? tiledRowMajor : Tensors.contiguous(tiled);
                    firstStage.add(Tensors.conv(tiledRowMajor, kernel, stride, p.padding(), p.dilation(),
                            (int) kernel.getShape().get(0)));
                }
            }
            NDArray stage1 = norm1.apply(Tensors.groupedPointwise(concat(firstStage), pointwise1.getArray(),
                    convOps.size() * edges), training);
            // Split (not sliced) by candidate: a split's gradient is one concatenation, where every
            // slice's gradient would be a zero-filled copy of the whole stage.
            NDList byOp = splitAxis1(stage1.reshape(n, convOps.size(), perOp, h, w), separable, dilated);
            if (separable > 0) {
                NDList sepInputs = splitAxis1(Activation.relu(byOp.get(0)), ones(separable));
                NDList secondStage = new NDList();
                for (int i = 0; i < separable; i++) {
                    Primitive p = sepOps.get(i);
                    secondStage.add(Tensors.conv(sepInputs.get(i).reshape(n, perOp, h, w), depthwise2.get(i).getArray(),
                            1, p.padding(), p.dilation(), (int) perOp));
                }
                NDArray stage2 = norm2.apply(Tensors.groupedPointwise(concat(secondStage), pointwise2.getArray(),
                        separable * edges), training);
                mixed = weightedSum(stage2.reshape(n, separable, edges, channels, h, w), sepWeights);
            }
            if (dilated > 0) {
                NDArray dil = byOp.get(byOp.size() - 1).reshape(n, dilated, edges, channels, h, w);
                mixed = plus(mixed, weightedSum(dil, dilWeights));
            }
        }
        // Pools and the identity skip do not depend on the edge: computed once, then weighted into every edge.
        NDList independent = new NDList();
        NDList independentWeights = new NDList();
        if (!poolOps.isEmpty()) {
            NDList pooled = new NDList();
            for (Primitive p : poolOps) {
                pooled.add(p == Primitive.MAX_POOL_3X3
                        ? Pool.maxPool2d(x, new Shape(3, 3), new Shape(stride, stride), new Shape(1, 1), false)
                        : Pool.avgPool2d(x, new Shape(3, 3), new Shape(stride, stride), new Shape(1, 1), false, false));
            }
            independent.add(poolNorm.apply(concat(pooled), training));
            independentWeights.add(poolWeights);
        }
        if (identitySkip) {
            independent.add(x);
            independentWeights.add(skipWeights);
        }
        if (!independent.isEmpty()) {
            NDArray stack = concat(independent);
            long count = stack.getShape().get(1) / channels;
            NDArray weightsByEdge = (independentWeights.size() == 1 ? independentWeights.get(0)
                    : NDArrays.concat(independentWeights, 1)).reshape(1, count, edges, 1, 1, 1);
            // Weighted by broadcasting, not by one (edges × count) matrix product: on an AMD EPYC the
            // product's rounding moved the parameters after four search steps 3× past SearchStepNumericsTest's
            // tolerance (Intel Xeons: within it); the broadcast sum matches the reference on both.
            NDArray mix = stack.reshape(n, count, 1, channels, h, w).mul(weightsByEdge).sum(new int[] {1});
            mixed = plus(mixed, mix);
        }
        if (reduceSkip != null) {
            NDArray reduced = reduceSkip.applyToActivated(activated, training).reshape(n, 1, edges, channels, h, w);
            mixed = plus(mixed, weightedSum(reduced, skipWeights));
        }
        return mixed;
    }

    /** Σ_k weights_k · candidates_k over axis 1: (N, k, E, C, H, W) with (1, k, E, 1, 1, 1) → (N, E, C, H, W). */
    private static NDArray weightedSum(NDArray candidates, NDArray weights) {
        return candidates.mul(weights).sum(new int[] {1});
    }

    private static NDArray plus(NDArray sum, NDArray term) {
        return sum == null ? term : sum.add(term);
    }

    /** Consecutive parts of axis 1 with the given sizes (zero sizes are left out). */
    private static NDList splitAxis1(NDArray array, int... sizes) {
        List<Long> cuts = new ArrayList<>();
        long at = 0;
        int parts = 0;
        for (int size : sizes) {
            if (size == 0) {
                continue;
            }
            if (parts > 0) {
                cuts.add(at);
            }
            at += size;
            parts++;
        }
        if (parts <= 1) {
            return new NDList(array);
        }
        return array.split(cuts.stream().mapToLong(Long::longValue).toArray(), 1);
    }

    private static int[] ones(int count) {
        int[] sizes = new int[count];
        java.util.Arrays.fill(sizes, 1);
        return sizes;
    }

    /**
     * The sparse path, for masked or sampled searches: only the selected operations of the selected
     * edges are evaluated, each on its own rows of the stacked parameters (the same rows
     * {@link WeightInheritance} cuts out), so an operation that is not selected costs nothing.
     * ReLU(x) and each pooling (with its shared BN) are computed at most once for all edges.
     *
     * @param selection  [edge position][α column]: the operation's mixing weight (a scalar array), or
     *                   null to skip it; 'none' is always skipped (it outputs zeros)
     * @param operations the α column order
     * @return per edge position its mixed output (N, C, H/stride, W/stride), or null when nothing was selected
     */
    NDArray[] applySelected(NDArray x, NDArray[][] selection, List<Primitive> operations, boolean training) {
        NDArray[] outputs = new NDArray[edges];
        NDArray activated = null;
        Map<Primitive, NDArray> pooled = new EnumMap<>(Primitive.class);
        for (int e = 0; e < edges; e++) {
            for (int column = 0; column < operations.size(); column++) {
                NDArray weight = selection[e][column];
                Primitive p = operations.get(column);
                if (weight == null || p == Primitive.NONE) {
                    continue;
                }
                NDArray out;
                if (p.isPool()) {
                    out = pooled.computeIfAbsent(p, q -> poolAlone(x, q, training));
                } else if (p == Primitive.SKIP_CONNECT) {
                    if (reduceSkip == null) {
                        out = x;
                    } else {
                        activated = activated != null ? activated : Activation.relu(x);
                        out = reduceSkip.applyCopy(activated, e, training);
                    }
                } else {
                    activated = activated != null ? activated : Activation.relu(x);
                    out = convolutionAlone(activated, p, e, training);
                }
                NDArray weighted = out.mul(weight);
                outputs[e] = outputs[e] == null ? weighted : outputs[e].add(weighted);
            }
        }
        return outputs;
    }

    /** sep_conv or dil_conv of edge {@code e} alone. */
    private NDArray convolutionAlone(NDArray activated, Primitive p, int e, boolean training) {
        int i = convOps.indexOf(p);
        long block = ((long) i * edges + e) * channels;
        NDArray y = Tensors.conv(activated, rows(depthwise1.get(i), (long) e * channels, activated), stride, p.padding(),
                p.dilation(), channels);
        y = Tensors.conv(y, rows(pointwise1, block, activated), 1, 0, 1, 1);
        y = norm1.applyChannels(y, block, training);
        if (!p.isSeparableConv()) {
            return y;
        }
        int j = sepOps.indexOf(p);
        long block2 = ((long) j * edges + e) * channels;
        y = Tensors.conv(Activation.relu(y), rows(depthwise2.get(j), (long) e * channels, activated), 1, p.padding(),
                p.dilation(), channels);
        y = Tensors.conv(y, rows(pointwise2, block2, activated), 1, 0, 1, 1);
        return norm2.applyChannels(y, block2, training);
    }

    /** A pooling with its (edge-independent) BN channels. */
    private NDArray poolAlone(NDArray x, Primitive p, boolean training) {
        NDArray pool = p == Primitive.MAX_POOL_3X3
                ? Pool.maxPool2d(x, new Shape(3, 3), new Shape(stride, stride), new Shape(1, 1), false)
                : Pool.avgPool2d(x, new Shape(3, 3), new Shape(stride, stride), new Shape(1, 1), false, false);
        return poolNorm.applyChannels(pool, (long) poolOps.indexOf(p) * channels, training);
    }

    /** Rows [from, from + C) of a stacked weight, owned by the batch's manager. */
    private NDArray rows(Parameter stacked, long from, NDArray batchArray) {
        NDArray slice = stacked.getArray().get(NDIndex.sliceAxis(0, from, from + channels));
        slice.attach(batchArray.getManager());
        return slice;
    }

    /** Multiply–accumulates of every candidate of every edge, per image, for an input of size×size. */
    long macs(int inputSize) {
        int out = Tensors.strided(inputSize, stride);
        long outPixels = (long) out * out;
        long total = 0;
        for (Parameter p : depthwise1) {
            total += p.getShape().size() * outPixels;
        }
        for (Parameter p : depthwise2) {
            total += p.getShape().size() * outPixels;
        }
        if (pointwise1 != null) {
            total += pointwise1.getShape().size() * outPixels;
        }
        if (pointwise2 != null) {
            total += pointwise2.getShape().size() * outPixels;
        }
        if (reduceSkip != null) {
            total += reduceSkip.macs((int) outPixels);
        }
        return total;
    }

    private static NDArray concat(NDList parts) {
        return parts.size() == 1 ? parts.get(0) : NDArrays.concat(parts, 1);
    }
}
