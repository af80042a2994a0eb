package io.fedarch.core.darts;

import java.util.List;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.Shape;
import io.fedarch.core.model.ParameterRegistry;

/**
 * One DARTS search cell: the two previous cells' outputs are preprocessed to C channels (states 0
 * and 1), each of the 4 intermediate nodes is the sum of the mixed operations on the edges from
 * all earlier states, and the output concatenates the 4 nodes (4·C channels). A reduction cell
 * applies stride 2 on the edges leaving states 0 and 1.
 * <p>
 * The edges are evaluated source by source ({@link MixedOperations} handles all edges leaving a
 * state at once); node j's sum is complete once every state before it has been processed, so a
 * running (N, remaining nodes, C, H, W) tensor of partial sums is carried along.
 */
final class SearchCell implements CellNetworkFrame.Cell {
    private final boolean reduction;
    private final int channels;
    private final ReluConvBn preprocess0;
    private final FactorizedReduce reducePreprocess0;
    private final ReluConvBn preprocess1;
    private final PartialChannelMixing[] sources = new PartialChannelMixing[CellTopology.SOURCE_STATES];

    SearchCell(ParameterRegistry registry, String prefix, int prevPrevChannels, int prevChannels, int channels,
               boolean reduction, boolean reductionPrev, List<Primitive> operations, int partialChannels) {
        this.reduction = reduction;
        this.channels = channels;
        // After a reduction cell, the cell before it is at twice the resolution: reduce it on the way in.
        this.reducePreprocess0 = reductionPrev
                ? new FactorizedReduce(registry, prefix + ".preprocess0", prevPrevChannels, channels, 1, false) : null;
        this.preprocess0 = reductionPrev ? null : new ReluConvBn(registry, prefix + ".preprocess0", prevPrevChannels, channels);
        this.preprocess1 = new ReluConvBn(registry, prefix + ".preprocess1", prevChannels, channels);
        for (int s = 0; s < sources.length; s++) {
            int stride = reduction && s < 2 ? 2 : 1;
            sources[s] = new PartialChannelMixing(registry, prefix + ".state" + s, channels, stride,
                    CellTopology.outDegree(s), CellTopology.firstTarget(s), operations, partialChannels);
        }
    }

    /**
     * @param weights the cell type's mixing weights, (candidates, 14) with edges in
     *                {@link CellTopology#sourceMajorEdges()} order
     * @return (N, 4·C, H', W')
     */
    NDArray apply(NDArray s0, NDArray s1, NDArray weights, boolean training) {
        NDArray state0 = reducePreprocess0 != null ? reducePreprocess0.apply(s0, training) : preprocess0.apply(s0, training);
        NDArray state1 = preprocess1.apply(s1, training);
        NDArray pending = sources[0].apply(state0, edgeWeights(weights, 0), training)
                .add(sources[1].apply(state1, edgeWeights(weights, 1), training));
        NDList nodes = new NDList(CellTopology.NODES);
        for (int s = 2; s < CellTopology.SOURCE_STATES; s++) {
            // Split, not sliced: the gradient of a split is one concatenation, where each slice's
            // gradient would be a zero-filled copy of the whole pending tensor.
            NDList firstAndLater = pending.split(new long[] {1}, 1);
            NDArray node = firstAndLater.get(0).squeeze(1);
            nodes.add(node);
            pending = firstAndLater.get(1).add(sources[s].apply(node, edgeWeights(weights, s), training));
        }
        nodes.add(pending.squeeze(1));
        return NDArrays.concat(nodes, 1);
    }

    /**
     * The sparse path (masked or sampled search): only active operations are evaluated. A node
     * none of whose incoming operations is active contributes nothing: its outgoing edges are
     * skipped and its slot of the output is zeros.
     *
     * @param weights    the cell type's (14, operations) mixing weights in DARTS edge order
     * @param active     [edge][α column]: whether to evaluate the operation
     * @param operations the α column order
     */
    NDArray applySparse(NDArray s0, NDArray s1, NDArray weights, boolean[][] active, List<Primitive> operations,
                        boolean training) {
        NDArray[] states = new NDArray[CellTopology.NODES + 2];
        states[0] = reducePreprocess0 != null ? reducePreprocess0.apply(s0, training) : preprocess0.apply(s0, training);
        states[1] = preprocess1.apply(s1, training);
        NDArray[] nodes = new NDArray[CellTopology.NODES];
        for (int s = 0; s < CellTopology.SOURCE_STATES; s++) {
            if (s >= 2) {
                states[s] = nodes[s - 2];
                if (states[s] == null) {
                    continue;
                }
            }
            int first = CellTopology.firstTarget(s);
            NDArray[][] selection = new NDArray[CellTopology.outDegree(s)][operations.size()];
            boolean any = false;
            for (int node = first; node < CellTopology.NODES; node++) {
                int edge = CellTopology.edge(s, node);
                for (int o = 0; o < operations.size(); o++) {
                    if (active[edge][o] && operations.get(o) != Primitive.NONE) {
                        selection[node - first][o] = weights.get(edge, o);
                        any = true;
                    }
                }
            }
            if (!any) {
                continue;
            }
            NDArray[] outputs = sources[s].applySelected(states[s], selection, operations, training);
            for (int node = first; node < CellTopology.NODES; node++) {
                NDArray out = outputs[node - first];
                if (out != null) {
                    nodes[node] = nodes[node] == null ? out : nodes[node].add(out);
                }
            }
        }
        NDList concat = new NDList(CellTopology.NODES);
        for (NDArray node : nodes) {
            concat.add(node != null ? node : zerosLike(states[1]));
        }
        return NDArrays.concat(concat, 1);
    }

    /** An all-zero node for an input state of this cell (same channels, the cell's output resolution). */
    private NDArray zerosLike(NDArray state) {
        Shape in = state.getShape();
        int stride = reduction ? 2 : 1;
        return state.getManager().zeros(new Shape(in.get(0), channels, Tensors.strided((int) in.get(2), stride),
                Tensors.strided((int) in.get(3), stride)), state.getDataType());
    }

    /** The weights of the edges leaving {@code source}, shaped to broadcast over (N, candidates, edges, C, H, W). */
    private static NDArray edgeWeights(NDArray weights, int source) {
        int from = CellTopology.sourceMajorOffset(source);
        int edges = CellTopology.outDegree(source);
        return weights.get(NDIndex.sliceAxis(1, from, from + edges))
                .reshape(1, weights.getShape().get(0), edges, 1, 1, 1);
    }

    @Override
    public boolean isReduction() {
        return reduction;
    }

    @Override
    public int outputChannels() {
        return DartsOptions.MULTIPLIER * channels;
    }

    /** Multiply–accumulates per image for inputs of size×size, counting every candidate operation of every edge. */
    @Override
    public long macs(int size) {
        long total = preprocess1.macs(size * size);
        total += reducePreprocess0 != null ? reducePreprocess0.macs(size * size) : preprocess0.macs(size * size);
        for (int s = 0; s < sources.length; s++) {
            total += sources[s].macs(s < 2 ? size : Tensors.strided(size, reduction ? 2 : 1));
        }
        return total;
    }
}
