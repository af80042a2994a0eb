package io.fedarch.core.darts;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.IntPredicate;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.nn.Parameter;
import ai.djl.nn.core.Linear;
import ai.djl.nn.pooling.Pool;
import io.fedarch.core.model.BatchNormLayer;
import io.fedarch.core.model.ModelFactory;
import io.fedarch.core.model.ModelSummary;
import io.fedarch.core.model.ParameterRegistry;
import io.fedarch.events.InputShape;

/**
 * The frame both DARTS networks share (DARTS's Network and NetworkCIFAR): a 3×3 stem convolution
 * to 3·C channels with affine BN, the cells (channels double at each reduction cell; the cell after
 * a reduction reduces its older input), global average pooling and a linear classifier. Kept in one
 * place so the supernet and every network derived from it create these parameters identically and
 * under the same names, which is what lets weights move between them by name.
 *
 * @param <C> the cell type: search cells (mixed operations) or derived cells (a genotype's operations)
 */
final class CellNetworkFrame<C extends CellNetworkFrame.Cell> {

    /** What the frame needs to know of a cell. */
    interface Cell {
        boolean isReduction();

        int outputChannels();

        /** Multiply–accumulates per image for inputs of size×size. */
        long macs(int size);
    }

    /** Creates the cell of one layer from its wiring. */
    @FunctionalInterface
    interface CellBuilder<C> {
        C build(String prefix, int prevPrevChannels, int prevChannels, int channels, boolean reduction,
                boolean reductionPrev);
    }

    private final InputShape input;
    private final int stemStride;
    private final int stemChannels;
    private final Parameter stemWeight;
    private final BatchNormLayer stemNorm;
    private final List<C> cells = new ArrayList<>();
    private final Parameter classifierWeight;
    private final Parameter classifierBias;

    /** Registers, in this order, the stem's, every cell's and the classifier's parameters. */
    CellNetworkFrame(ParameterRegistry registry, InputShape input, int channels, int layers, int stemStride,
                     IntPredicate isReduction, CellBuilder<C> builder) {
        this.input = input;
        this.stemStride = stemStride;
        stemChannels = DartsOptions.STEM_MULTIPLIER * channels;
        stemWeight = registry.weight("stem.conv.weight", stemChannels, input.getChannels(), 3, 3);
        stemNorm = new BatchNormLayer(registry, "stem.bn", stemChannels, true);
        int prevPrev = stemChannels;
        int prev = stemChannels;
        int current = channels;
        boolean reductionPrev = false;
        for (int layer = 0; layer < layers; layer++) {
            boolean reduction = isReduction.test(layer);
            if (reduction) {
                current *= 2;
            }
            C cell = builder.build(cellPrefix(layer), prevPrev, prev, current, reduction, reductionPrev);
            cells.add(cell);
            reductionPrev = reduction;
            prevPrev = prev;
            prev = cell.outputChannels();
        }
        classifierWeight = registry.weight("classifier.weight", ModelFactory.CLASSES, prev);
        classifierBias = registry.bias("classifier.bias", ModelFactory.CLASSES);
    }

    /** The parameter prefix of cell {@code layer}, e.g. {@code cells.3}. */
    static String cellPrefix(int layer) {
        return "cells." + layer;
    }

    InputShape input() {
        return input;
    }

    List<C> cells() {
        return cells;
    }

    NDArray stem(NDArray x, boolean training) {
        return stemNorm.apply(Tensors.conv(x, stemWeight.getArray(), stemStride, 1, 1, 1), training);
    }

    /** Global average pooling and the classifier on the last cell's output. */
    NDList classify(NDArray last) {
        return Linear.linear(Pool.globalAvgPool2d(last), classifierWeight.getArray(), classifierBias.getArray());
    }

    /**
     * Stem, cells and classifier with parameter counts (running statistics included) and MACs per
     * image of the convolutions and the classifier (pooling, BN and sums are not counted).
     */
    List<ModelSummary.Layer> describe(Map<String, Parameter> named) {
        List<ModelSummary.Layer> layers = new ArrayList<>();
        // Square feature maps are assumed for the MAC counts: a non-square input is counted at its height.
        int size = Tensors.strided(input.getHeight(), stemStride);
        long[] image = {input.getChannels(), input.getHeight(), input.getWidth()};
        long[] stemOut = {stemChannels, size, size};
        layers.add(new ModelSummary.Layer("stem", "Stem", image, stemOut, count(named, "stem."),
                stemWeight.getShape().size() * size * size));
        long[] prevShape = stemOut;
        for (int i = 0; i < cells.size(); i++) {
            C cell = cells.get(i);
            int out = Tensors.strided(size, cell.isReduction() ? 2 : 1);
            long[] outShape = {cell.outputChannels(), out, out};
            layers.add(new ModelSummary.Layer("cell" + i, cell.isReduction() ? "ReductionCell" : "NormalCell",
                    prevShape, outShape, count(named, cellPrefix(i) + "."), cell.macs(size)));
            prevShape = outShape;
            size = out;
        }
        layers.add(new ModelSummary.Layer("classifier", "GlobalAvgPoolLinear", prevShape,
                new long[] {ModelFactory.CLASSES}, count(named, "classifier."), classifierWeight.getShape().size()));
        return layers;
    }

    /** Elements of the parameters whose names start with {@code prefix}. */
    static long count(Map<String, Parameter> named, String prefix) {
        long n = 0;
        for (Map.Entry<String, Parameter> e : named.entrySet()) {
            if (e.getKey().startsWith(prefix)) {
                n += e.getValue().getShape().size();
            }
        }
        return n;
    }
}
