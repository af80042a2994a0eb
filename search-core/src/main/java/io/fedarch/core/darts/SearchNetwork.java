package io.fedarch.core.darts;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
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
 * The DARTS search network (supernet) for 1×28×28 images: a 3×3 stem convolution to 3·C channels
 * (stride 1 or 2) with BN, {@code layers} search cells (reduction cells, which double the
 * channels and halve the resolution, at layers/3 and 2·layers/3), global average pooling and a
 * linear classifier. The architecture weights are two parameters of this block,
 * {@value #ALPHA_NORMAL} and {@value #ALPHA_REDUCE}, each (14 edges × operations) and shared by all
 * cells of that type, so they travel and average with the weights in {@code ModelParameters}.
 */
public final class SearchNetwork extends AbstractBlock implements SelfDescribingBlock {
    public static final String ALPHA_NORMAL = "alpha.normal";
    public static final String ALPHA_REDUCE = "alpha.reduce";
    private static final byte VERSION = 1;

    private final DartsOptions options;
    private final Map<String, Parameter> named;
    private final CellNetworkFrame<SearchCell> frame;
    private final Parameter alphaNormal;
    private final Parameter alphaReduce;
    private final int[] fusionColumns;
    private NDArray edgeOrder;
    private NDArray candidateSelection;
    private Relaxation relaxation = Relaxation.DARTS;
    private Random noise = new Random(0);

    public SearchNetwork(DartsOptions options) {
        super(VERSION);
        this.options = options;
        ParameterRegistry registry = new ParameterRegistry();
        frame = new CellNetworkFrame<>(registry, options.input(), options.channels(), options.layers(), options.stemStride(),
                options::isReduction, (prefix, prevPrev, prev, channels, reduction, reductionPrev) ->
                        new SearchCell(registry, prefix, prevPrev, prev, channels, reduction, reductionPrev,
                                options.operations(), options.partialChannels()));
        int ops = options.operations().size();
        alphaNormal = registry.architecture(ALPHA_NORMAL, CellTopology.EDGES, ops);
        alphaReduce = registry.architecture(ALPHA_REDUCE, CellTopology.EDGES, ops);
        named = registry.all();
        for (Parameter p : named.values()) {
            addParameter(p);
        }
        List<Integer> columns = new ArrayList<>();
        for (Primitive p : MixedOperations.FUSION_ORDER) {
            int column = options.operations().indexOf(p);
            if (column >= 0) {
                columns.add(column);
            }
        }
        fusionColumns = columns.stream().mapToInt(Integer::intValue).toArray();
    }

    public DartsOptions options() {
        return options;
    }


    /** The architecture parameters α (normal, reduce). */
    public List<Parameter> architectureParameters() {
        return List.of(alphaNormal, alphaReduce);
    }

    /** Everything trained by gradient descent on w: all parameters except α and running statistics. */
    public List<Parameter> weightParameters() {
        List<Parameter> weights = new ArrayList<>();
        for (Parameter p : named.values()) {
            if (p.requiresGradient() && p != alphaNormal && p != alphaReduce) {
                weights.add(p);
            }
        }
        return weights;
    }

    /** How α becomes mixing weights from now on (default: DARTS's softmax over the whole space). */
    public void setRelaxation(Relaxation relaxation) {
        if (relaxation.mask() != null) {
            relaxation.mask().requireFits(options);
        }
        this.relaxation = relaxation;
    }

    public Relaxation relaxation() {
        return relaxation;
    }

    /** Reseeds the Gumbel noise: the next training forward pass draws the same sample for the same seed. */
    public void setNoiseSeed(long seed) {
        noise = new Random(seed);
    }

    @Override
    public Map<String, Parameter> namedParameters() {
        return named;
    }

    @Override
    protected NDList forwardInternal(ParameterStore parameterStore, NDList inputs, boolean training,
                                     PairList<String, Object> params) {
        NDArray x = inputs.singletonOrThrow();
        NDManager batch = x.getManager();
        NDArray stem = frame.stem(x, training);
        boolean sampling = training && relaxation.mode() != MixingMode.SOFTMAX;
        if (relaxation.mask() != null || (sampling && relaxation.mode() == MixingMode.GUMBEL_HARD)) {
            return forwardSparse(stem, training, batch);
        }
        NDArray normalWeights = null;
        NDArray reduceWeights = null;
        NDArray s0 = stem;
        NDArray s1 = stem;
        for (SearchCell cell : frame.cells()) {
            NDArray weights;
            if (cell.isReduction()) {
                weights = reduceWeights = reduceWeights != null ? reduceWeights
                        : fusedOrder(mixture(alphaReduce, true, training, batch).weights(), batch);
            } else {
                weights = normalWeights = normalWeights != null ? normalWeights
                        : fusedOrder(mixture(alphaNormal, false, training, batch).weights(), batch);
            }
            NDArray next = cell.apply(s0, s1, weights, training);
            s0 = s1;
            s1 = next;
        }
        return frame.classify(s1);
    }

    /**
     * The masked or sampled path: one mixture per cell type per forward pass (shared by all cells of
     * the type, like α), and only its active operations are evaluated ({@link SearchCell#applySparse}).
     */
    private NDList forwardSparse(NDArray stem, boolean training, NDManager batch) {
        GumbelSoftmax.Mixture normal = null;
        GumbelSoftmax.Mixture reduce = null;
        NDArray s0 = stem;
        NDArray s1 = stem;
        for (SearchCell cell : frame.cells()) {
            GumbelSoftmax.Mixture m;
            if (cell.isReduction()) {
                m = reduce = reduce != null ? reduce : mixture(alphaReduce, true, training, batch);
            } else {
                m = normal = normal != null ? normal : mixture(alphaNormal, false, training, batch);
            }
            NDArray next = cell.applySparse(s0, s1, m.weights(), m.active(), options.operations(), training);
            s0 = s1;
            s1 = next;
        }
        return frame.classify(s1);
    }

    /** The relaxation's mixing weights of one cell type: sampled when training with Gumbel, else softmax(α + log m). */
    private GumbelSoftmax.Mixture mixture(Parameter alpha, boolean reduction, boolean training, NDManager batch) {
        OperationMask mask = relaxation.mask();
        float[] logFactors = mask == null ? null : mask.logFactors(reduction);
        if (training && relaxation.mode() != MixingMode.SOFTMAX) {
            return GumbelSoftmax.sample(alpha.getArray(), logFactors, relaxation.temperature(),
                    relaxation.mode() == MixingMode.GUMBEL_HARD, noise, batch);
        }
        return GumbelSoftmax.relaxed(alpha.getArray(), logFactors, batch);
    }

    /**
     * An edge × operation weight table reordered for the fused evaluation: rows become candidates in
     * {@link MixedOperations#FUSION_ORDER} (dropping 'none'), columns become edges in source-major
     * order. Two constant 0/1 matrix products do the reordering, so gradients flow to α.
     */
    private NDArray fusedOrder(NDArray probabilities, NDManager batch) {
        NDArray array = alphaNormal.getArray();
        if (edgeOrder == null) {
            NDManager owner = array.getManager();
            int[] order = CellTopology.sourceMajorEdges();
            float[] edges = new float[CellTopology.EDGES * CellTopology.EDGES];
            for (int k = 0; k < order.length; k++) {
                edges[order[k] * CellTopology.EDGES + k] = 1f;
            }
            edgeOrder = owner.create(edges, new Shape(CellTopology.EDGES, CellTopology.EDGES));
            int ops = options.operations().size();
            float[] select = new float[ops * fusionColumns.length];
            for (int k = 0; k < fusionColumns.length; k++) {
                select[fusionColumns[k] * fusionColumns.length + k] = 1f;
            }
            candidateSelection = owner.create(select, new Shape(ops, fusionColumns.length));
        }
        NDArray byEdge = probabilities.transpose().matMul(edgeOrder);      // (ops, 14 source-major)
        return byEdge.transpose().matMul(candidateSelection).transpose();  // (candidates, 14)
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
     * Stem, cells, classifier and the α tables, with parameter counts (running statistics and α
     * included) and multiply–accumulates per image. The supernet evaluates every candidate
     * operation on every edge, so a cell's MACs count all of them (convolutions and the classifier;
     * pooling, BN and the weighted sums are not counted, as for the cnn family).
     */
    @Override
    public List<ModelSummary.Layer> describeLayers() {
        List<ModelSummary.Layer> layers = new ArrayList<>(frame.describe(named));
        long[] alphaShape = {2, CellTopology.EDGES, options.operations().size()};
        layers.add(new ModelSummary.Layer("alpha", "ArchitectureParameters", alphaShape, alphaShape,
                CellNetworkFrame.count(named, "alpha."), 0));
        return layers;
    }
}
