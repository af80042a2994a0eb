package io.fedarch.core.darts;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.AbstractBlock;
import ai.djl.nn.Parameter;
import ai.djl.nn.core.Linear;
import ai.djl.nn.pooling.Pool;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;
import io.fedarch.core.model.ModelFactory;
import io.fedarch.core.model.ModelSummary;
import io.fedarch.core.model.SelfDescribingBlock;

/**
 * The discrete network a {@link Genotype} describes (DARTS's NetworkCIFAR evaluation network,
 * without auxiliary head or drop-path) for 1×28×28 images, family {@value ModelFactory#DARTS_DERIVED}.
 * <p>
 * It deliberately mirrors {@link SearchNetwork}: the same stem (3×3 convolution to 3·C at the
 * stem stride, affine BN), cell placement, preprocessing, pooling and classifier under the same
 * parameter names, and each kept operation built exactly like its candidate in the supernet
 * (affine-free BN, BN after pooling). A network derived from a search therefore computes what the
 * supernet computes when α selects the genotype, and {@link WeightInheritance} can hand it the
 * supernet's trained weights one-to-one. Gene parameters are named as {@link DerivedCell} describes,
 * e.g. {@code cells.3.node2.in1.sep_conv_3x3.dw1.weight}.
 */
public final class DerivedNetwork extends AbstractBlock implements SelfDescribingBlock {
    private static final byte VERSION = 1;

    private final DerivedOptions options;
    private final Map<String, Parameter> named;
    private final Parameter stemWeight;
    private final BatchNormLayer stemNorm;
    private final List<DerivedCell> cells = new ArrayList<>();
    private final Parameter classifierWeight;
    private final Parameter classifierBias;
    private final int stemChannels;

    public DerivedNetwork(DerivedOptions options) {
        super(VERSION);
        this.options = options;
        ParameterRegistry registry = new ParameterRegistry();
        Genotype genotype = options.genotype();
        stemChannels = DartsOptions.STEM_MULTIPLIER * options.channels();
        stemWeight = registry.weight("stem.conv.weight", stemChannels, ModelFactory.CHANNELS, 3, 3);
        stemNorm = new BatchNormLayer(registry, "stem.bn", stemChannels, true);
        int prevPrev = stemChannels;
        int prev = stemChannels;
        int current = options.channels();
        boolean reductionPrev = false;
        for (int layer = 0; layer < options.layers(); layer++) {
            boolean reduction = options.isReduction(layer);
            if (reduction) {
                current *= 2;
            }
            DerivedCell cell = new DerivedCell(registry, cellPrefix(layer), prevPrev, prev, current, reduction,
                    reductionPrev, reduction ? genotype.reduce() : genotype.normal(),
                    reduction ? genotype.reduceConcat() : genotype.normalConcat());
            cells.add(cell);
            reductionPrev = reduction;
            prevPrev = prev;
            prev = cell.outputChannels();
        }
        classifierWeight = registry.weight("classifier.weight", ModelFactory.CLASSES, prev);
        classifierBias = registry.bias("classifier.bias", ModelFactory.CLASSES);
        named = registry.all();
        for (Parameter p : named.values()) {
            addParameter(p);
        }
    }

    /** The parameter prefix of cell {@code layer}: the same as in {@link SearchNetwork}. */
    static String cellPrefix(int layer) {
        return "cells." + layer;
    }

    public DerivedOptions options() {
        return options;
    }

    @Override
    public Map<String, Parameter> namedParameters() {
        return named;
    }

    @Override
    protected NDList forwardInternal(ParameterStore parameterStore, NDList inputs, boolean training,
                                     PairList<String, Object> params) {
        NDArray x = inputs.singletonOrThrow();
        NDArray stem = stemNorm.apply(Tensors.conv(x, stemWeight.getArray(), options.stemStride(), 1, 1, 1), training);
        NDArray s0 = stem;
        NDArray s1 = stem;
        for (DerivedCell cell : cells) {
            NDArray next = cell.apply(s0, s1, training);
            s0 = s1;
            s1 = next;
        }
        return Linear.linear(Pool.globalAvgPool2d(s1), classifierWeight.getArray(), classifierBias.getArray());
    }

    @Override
    public Shape[] getOutputShapes(Shape[] inputShapes) {
        return new Shape[] {new Shape(inputShapes[0].get(0), ModelFactory.CLASSES)};
    }

    @Override
    protected void prepare(Shape[] inputShapes) {
        // Every parameter's shape is known from the options alone; nothing depends on the input.
    }

    /**
     * Stem, cells and classifier with parameter counts (running statistics included) and
     * multiply–accumulates per image of the convolutions and the classifier (pooling, BN and sums
     * are not counted, as for {@link SearchNetwork}).
     */
    @Override
    public List<ModelSummary.Layer> describeLayers() {
        List<ModelSummary.Layer> layers = new ArrayList<>();
        int size = Tensors.strided(ModelFactory.HEIGHT, options.stemStride());
        long[] image = {ModelFactory.CHANNELS, ModelFactory.HEIGHT, ModelFactory.WIDTH};
        long[] stemOut = {stemChannels, size, size};
        layers.add(new ModelSummary.Layer("stem", "Stem", image, stemOut, count("stem."),
                stemWeight.getShape().size() * size * size));
        long[] prevShape = stemOut;
        for (int i = 0; i < cells.size(); i++) {
            DerivedCell cell = cells.get(i);
            int out = Tensors.strided(size, cell.isReduction() ? 2 : 1);
            long[] outShape = {cell.outputChannels(), out, out};
            layers.add(new ModelSummary.Layer("cell" + i, cell.isReduction() ? "ReductionCell" : "NormalCell",
                    prevShape, outShape, count(cellPrefix(i) + "."), cell.macs(size)));
            prevShape = outShape;
            size = out;
        }
        layers.add(new ModelSummary.Layer("classifier", "GlobalAvgPoolLinear", prevShape,
                new long[] {ModelFactory.CLASSES}, count("classifier."), classifierWeight.getShape().size()));
        return layers;
    }

    private long count(String prefix) {
        long n = 0;
        for (Map.Entry<String, Parameter> e : named.entrySet()) {
            if (e.getKey().startsWith(prefix)) {
                n += e.getValue().getShape().size();
            }
        }
        return n;
    }
}
