package io.fedarch.core.darts;

import java.util.List;
import java.util.Map;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.AbstractBlock;
import ai.djl.nn.Parameter;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;
import io.fedarch.core.model.ModelFactory;
import io.fedarch.core.model.ModelSummary;
import io.fedarch.core.model.ParameterRegistry;
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
    private final CellNetworkFrame<DerivedCell> frame;

    public DerivedNetwork(DerivedOptions options) {
        super(VERSION);
        this.options = options;
        ParameterRegistry registry = new ParameterRegistry();
        Genotype genotype = options.genotype();
        frame = new CellNetworkFrame<>(registry, options.input(), options.channels(), options.layers(), options.stemStride(),
                options::isReduction, (prefix, prevPrev, prev, channels, reduction, reductionPrev) ->
                        new DerivedCell(registry, prefix, prevPrev, prev, channels, reduction, reductionPrev,
                                reduction ? genotype.reduce() : genotype.normal(),
                                reduction ? genotype.reduceConcat() : genotype.normalConcat()));
        named = registry.all();
        for (Parameter p : named.values()) {
            addParameter(p);
        }
    }

    /** The parameter prefix of cell {@code layer}: the same as in {@link SearchNetwork}. */
    static String cellPrefix(int layer) {
        return CellNetworkFrame.cellPrefix(layer);
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
        NDArray stem = frame.stem(x, training);
        NDArray s0 = stem;
        NDArray s1 = stem;
        for (DerivedCell cell : frame.cells()) {
            NDArray next = cell.apply(s0, s1, training);
            s0 = s1;
            s1 = next;
        }
        return frame.classify(s1);
    }

    @Override
    public Shape[] getOutputShapes(Shape[] inputShapes) {
        return new Shape[] {new Shape(inputShapes[0].get(0), ModelFactory.CLASSES)};
    }

    @Override
    protected void prepare(Shape[] inputShapes) {
        // Every parameter's shape is known from the options alone; nothing depends on the input.
    }

    /** Stem, cells and classifier with parameter counts and MACs, as {@link SearchNetwork} counts them. */
    @Override
    public List<ModelSummary.Layer> describeLayers() {
        return frame.describe(named);
    }
}
