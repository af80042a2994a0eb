package io.fedarch.core.darts;

import java.util.List;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.pooling.Pool;
import io.fedarch.core.model.ParameterRegistry;

/**
 * PC-DARTS's partial-channel connection (Xu et al., 2020) around the mixed operations of the edges
 * that leave one state: only the first C/K channels of the state go through the candidate
 * operations; the other C − C/K bypass them (on a reduction edge max-pooled 3×3, stride 2, padding
 * 1, so odd sizes shrink like the candidates' do: 7 → 4), are concatenated after the mixed part, and
 * the C channels are shuffled in K groups so the next cell sees a different part. The candidates
 * cost 1/K of their full-width MACs and memory, which lets a wider supernet search in the same time.
 * With K = 1 this is {@link MixedOperations} unchanged.
 * <p>
 * Because every edge into a node now carries an unweighted copy of its source's bypass channels,
 * summing a node's 2–5 incoming edges as DARTS does would add those copies up cell after cell (a
 * search with K = 2 then trained to a loss of 3.1 where K = 1 reached 1.2 on the same data).
 * PC-DARTS prevents this with edge normalisation: node j's inputs are weighted by softmax(β) over
 * its incoming edges. Here β is fixed at zero — each edge into node j is weighted 1/(j + 2), its
 * in-degree — so a node averages its inputs; β is not learned and the genotype is derived from α
 * alone, as DARTS does.
 */
final class PartialChannelMixing {
    private final MixedOperations mixed;
    private final int channels;
    private final int groups;
    private final int stride;
    private final int edges;
    private final int firstTarget;

    /** @param firstTarget the node the first of this state's edges leads to (then one edge per later node) */
    PartialChannelMixing(ParameterRegistry registry, String prefix, int channels, int stride, int edges,
                         int firstTarget, List<Primitive> operations, int partialChannels) {
        this.mixed = new MixedOperations(registry, prefix, channels / partialChannels, stride, edges, operations);
        this.channels = channels;
        this.groups = partialChannels;
        this.stride = stride;
        this.edges = edges;
        this.firstTarget = firstTarget;
    }

    MixedOperations operations() {
        return mixed;
    }

    /** @return every edge's output, (N, edges, C, H/stride, W/stride), as {@link MixedOperations#apply} */
    NDArray apply(NDArray x, NDArray weights, boolean training) {
        if (groups == 1) {
            return mixed.apply(x, weights, training);
        }
        long part = channels / groups;
        NDArray out = mixed.apply(Tensors.channels(x, 0, part), weights, training);
        NDArray bypass = Tensors.channels(x, part, channels);
        if (stride == 2) {
            bypass = Pool.maxPool2d(bypass, new Shape(3, 3), new Shape(2, 2), new Shape(1, 1), false);
        }
        Shape shape = out.getShape();
        long n = shape.get(0);
        long h = shape.get(3);
        long w = shape.get(4);
        NDArray passed = bypass.reshape(n, 1, channels - part, h, w).broadcast(n, edges, channels - part, h, w);
        NDArray joined = NDArrays.concat(new NDList(out, passed), 2);
        // PC-DARTS's channel_shuffle: (K groups of C/K) -> interleave one channel of each group.
        NDArray shuffled = joined.reshape(n, edges, groups, part, h, w).swapAxes(2, 3).reshape(n, edges, channels, h, w);
        return shuffled.mul(edgeNormalization(shuffled));
    }

    /** 1/(in-degree) of each edge's target node, shaped (1, edges, 1, 1, 1). */
    private NDArray edgeNormalization(NDArray like) {
        float[] weights = new float[edges];
        for (int e = 0; e < edges; e++) {
            weights[e] = 1f / (firstTarget + e + 2);
        }
        // A fresh constant per call, owned by the batch: cheap (≤ 5 floats) and never outlives its manager.
        return like.getManager().create(weights, new Shape(1, edges, 1, 1, 1));
    }

    NDArray[] applySelected(NDArray x, NDArray[][] selection, List<Primitive> operations, boolean training) {
        if (groups != 1) {
            throw new IllegalStateException("a sparse (masked or sampled) path needs partialChannels 1");
        }
        return mixed.applySelected(x, selection, operations, training);
    }

    long macs(int inputSize) {
        return mixed.macs(inputSize);
    }
}
