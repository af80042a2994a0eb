package io.fedarch.core.darts;

import java.util.ArrayList;
import java.util.List;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import io.fedarch.core.model.ParameterRegistry;

/**
 * One cell of a derived network (DARTS's evaluation {@code Cell}): the two previous cells' outputs
 * are preprocessed to C channels (states 0 and 1, exactly as in {@link SearchCell} and under the
 * same names, so they inherit the supernet's preprocessing), intermediate node j (state j+2) is the
 * sum of its two genes' operations applied to their input states, and the output concatenates the
 * genotype's concat states. In a reduction cell, operations reading states 0 and 1 use stride 2.
 * <p>
 * Parameter names: {@code <prefix>.preprocess0|1.*} and, per gene,
 * {@link #operationPrefix}: {@code <prefix>.node<j>.in<k>.<operation>.*}, where j is the
 * intermediate node (0-based) and k (0 or 1) the gene's position within the node.
 */
final class DerivedCell implements CellNetworkFrame.Cell {
    private final boolean reduction;
    private final int channels;
    private final CellOperation preprocess0;
    private final CellOperation preprocess1;
    private final List<CellOperation> operations = new ArrayList<>();
    private final int[] inputs;
    private final List<Integer> concat;

    /**
     * @param genes  two per node, node j's at 2j and 2j+1 (validated {@link Genotype} form)
     * @param concat the states concatenated into the output
     */
    DerivedCell(ParameterRegistry registry, String prefix, int prevPrevChannels, int prevChannels, int channels,
                boolean reduction, boolean reductionPrev, List<Genotype.Gene> genes, List<Integer> concat) {
        this.reduction = reduction;
        this.channels = channels;
        this.concat = List.copyOf(concat);
        // After a reduction cell, the cell before it is at twice the resolution: reduce it on the way in.
        this.preprocess0 = reductionPrev
                ? new FactorizedReduce(registry, prefix + ".preprocess0", prevPrevChannels, channels, 1, false)
                : new ReluConvBn(registry, prefix + ".preprocess0", prevPrevChannels, channels);
        this.preprocess1 = new ReluConvBn(registry, prefix + ".preprocess1", prevChannels, channels);
        this.inputs = new int[genes.size()];
        for (int g = 0; g < genes.size(); g++) {
            Genotype.Gene gene = genes.get(g);
            Primitive primitive = Primitive.fromName(gene.operation());
            int stride = reduction && gene.input() < 2 ? 2 : 1;
            operations.add(OperationFactory.create(registry, operationPrefix(prefix, g / 2, g % 2, primitive),
                    primitive, channels, stride));
            inputs[g] = gene.input();
        }
    }

    /** Where the parameters of node {@code node}'s gene {@code position} live: {@code <cell>.node<j>.in<k>.<op>}. */
    static String operationPrefix(String cellPrefix, int node, int position, Primitive primitive) {
        return cellPrefix + ".node" + node + ".in" + position + "." + primitive.dartsName();
    }

    /** @return (N, |concat|·C, H', W') */
    NDArray apply(NDArray s0, NDArray s1, boolean training) {
        List<NDArray> states = new ArrayList<>();
        states.add(preprocess0.apply(s0, training));
        states.add(preprocess1.apply(s1, training));
        for (int g = 0; g < operations.size(); g += 2) {
            NDArray a = operations.get(g).apply(states.get(inputs[g]), training);
            NDArray b = operations.get(g + 1).apply(states.get(inputs[g + 1]), training);
            states.add(a.add(b));
        }
        if (concat.size() == 1) {
            return states.get(concat.get(0));
        }
        NDList out = new NDList(concat.size());
        for (int state : concat) {
            out.add(states.get(state));
        }
        return NDArrays.concat(out, 1);
    }

    @Override
    public boolean isReduction() {
        return reduction;
    }

    @Override
    public int outputChannels() {
        return concat.size() * channels;
    }

    /** Multiply–accumulates per image for inputs of size×size (the cell's second input's size). */
    @Override
    public long macs(int size) {
        int out = Tensors.strided(size, reduction ? 2 : 1);
        long total = preprocess0.macs(size * size) + preprocess1.macs(size * size);
        for (CellOperation operation : operations) {
            // Every operation outputs at the cell's output size (stride-2 ones read the larger inputs).
            total += operation.macs(out * out);
        }
        return total;
    }
}
