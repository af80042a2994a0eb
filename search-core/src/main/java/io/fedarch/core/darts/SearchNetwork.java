package io.fedarch.core.darts;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
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
    private final Parameter stemWeight;
    private final BatchNormLayer stemNorm;
    private final List<SearchCell> cells = new ArrayList<>();
    private final Parameter classifierWeight;
    private final Parameter classifierBias;
    private final Parameter alphaNormal;
    private final Parameter alphaReduce;
    private final int[] fusionColumns;
    private final int stemChannels;
    private NDArray edgeOrder;
    private NDArray candidateSelection;

    public SearchNetwork(DartsOptions options) {
        super(VERSION);
        this.options = options;
        ParameterRegistry registry = new ParameterRegistry();
        int c = options.channels();
        stemChannels = DartsOptions.STEM_MULTIPLIER * c;
        stemWeight = registry.weight("stem.conv.weight", stemChannels, ModelFactory.CHANNELS, 3, 3);
        stemNorm = new BatchNormLayer(registry, "stem.bn", stemChannels, true);
        int prevPrev = stemChannels;
        int prev = stemChannels;
        int current = c;
        boolean reductionPrev = false;
        for (int layer = 0; layer < options.layers(); layer++) {
            boolean reduction = options.isReduction(layer);
            if (reduction) {
                current *= 2;
            }
            SearchCell cell = new SearchCell(registry, "cells." + layer, prevPrev, prev, current, reduction,
                    reductionPrev, options.operations());
            cells.add(cell);
            reductionPrev = reduction;
            prevPrev = prev;
            prev = cell.outputChannels();
        }
        classifierWeight = registry.weight("classifier.weight", ModelFactory.CLASSES, prev);
        classifierBias = registry.bias("classifier.bias", ModelFactory.CLASSES);
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

    @Override
    public Map<String, Parameter> namedParameters() {
        return named;
    }

    @Override
    protected NDList forwardInternal(ParameterStore parameterStore, NDList inputs, boolean training,
                                     PairList<String, Object> params) {
        NDArray x = inputs.singletonOrThrow();
        NDManager batch = x.getManager();
        NDArray stem = stemNorm.apply(Tensors.conv(x, stemWeight.getArray(), options.stemStride(), 1, 1, 1), training);
        NDArray normalWeights = null;
        NDArray reduceWeights = null;
        NDArray s0 = stem;
        NDArray s1 = stem;
        for (SearchCell cell : cells) {
            NDArray weights;
            if (cell.isReduction()) {
                weights = reduceWeights = reduceWeights != null ? reduceWeights : mixingWeights(alphaReduce, batch);
            } else {
                weights = normalWeights = normalWeights != null ? normalWeights : mixingWeights(alphaNormal, batch);
            }
            NDArray next = cell.apply(s0, s1, weights, training);
            s0 = s1;
            s1 = next;
        }
        NDArray pooled = Pool.globalAvgPool2d(s1);
        return Linear.linear(pooled, classifierWeight.getArray(), classifierBias.getArray());
    }

    /**
     * softmax(α) over each edge's operations, reordered for the fused evaluation: rows become
     * candidates in {@link MixedOperations#FUSION_ORDER} (dropping 'none'), columns become edges in
     * source-major order. Two constant 0/1 matrix products do the reordering, so gradients flow to α.
     */
    private NDArray mixingWeights(Parameter alpha, NDManager batch) {
        NDArray array = alpha.getArray();
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
        NDArray probabilities = array.softmax(1);
        // Results of operations on parameters land in the parameters' manager; move them to the batch's.
        probabilities.attach(batch);
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
        List<ModelSummary.Layer> layers = new ArrayList<>();
        int size = Tensors.strided(ModelFactory.HEIGHT, options.stemStride());
        long[] image = {ModelFactory.CHANNELS, ModelFactory.HEIGHT, ModelFactory.WIDTH};
        long[] stemOut = {stemChannels, size, size};
        layers.add(new ModelSummary.Layer("stem", "Stem", image, stemOut, count("stem."),
                stemWeight.getShape().size() * size * size));
        long[] prevShape = stemOut;
        for (int i = 0; i < cells.size(); i++) {
            SearchCell cell = cells.get(i);
            int out = Tensors.strided(size, cell.isReduction() ? 2 : 1);
            long[] outShape = {cell.outputChannels(), out, out};
            layers.add(new ModelSummary.Layer("cell" + i, cell.isReduction() ? "ReductionCell" : "NormalCell",
                    prevShape, outShape, count("cells." + i + "."), cell.macs(size)));
            prevShape = outShape;
            size = out;
        }
        layers.add(new ModelSummary.Layer("classifier", "GlobalAvgPoolLinear", prevShape,
                new long[] {ModelFactory.CLASSES}, count("classifier."), classifierWeight.getShape().size()));
        long[] alphaShape = {2, CellTopology.EDGES, options.operations().size()};
        layers.add(new ModelSummary.Layer("alpha", "ArchitectureParameters", alphaShape, alphaShape,
                count("alpha."), 0));
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
