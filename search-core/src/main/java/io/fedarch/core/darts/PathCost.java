package io.fedarch.core.darts;

import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import io.fedarch.core.model.ModelFactory;

/**
 * Size and cost of a single-path subnet for 1×28×28 images, counted from the rows it uses
 * ({@link PathSlices}) with the conventions of {@code ModelSummary}: parameters include running
 * statistics (not α); MACs count convolutions (row elements × output pixels) and the classifier.
 *
 * @param parameters          elements the path uses
 * @param macs                multiply–accumulates per image of a forward pass
 * @param bytes               the path's tensors in fp32: what a subnet-only transfer would carry
 * @param trainableParameters elements trained by gradient descent
 * @param activationsPerImage activation elements a training step keeps for the backward pass, per
 *                            image (an estimate: see {@link #peakTrainingBytes})
 */
public record PathCost(long parameters, long macs, long bytes, long trainableParameters, long activationsPerImage) {
    private static final Map<DartsOptions, Map<String, long[]>> LAYOUT = new ConcurrentHashMap<>();
    private static final Pattern CELL_TENSOR = Pattern.compile("cells\\.(\\d+)\\.(state\\d+|preprocess\\d)\\..*");

    public static PathCost of(DartsOptions options, SinglePath path) {
        PathSlices slices = PathSlices.of(options, path);
        int stemSize = Tensors.strided(options.input().getHeight(), options.stemStride());
        int[] inputSize = new int[options.layers()];
        int[] outputSize = new int[options.layers()];
        int size = stemSize;
        for (int layer = 0; layer < options.layers(); layer++) {
            inputSize[layer] = size;
            size = Tensors.strided(size, options.isReduction(layer) ? 2 : 1);
            outputSize[layer] = size;
        }
        long parameters = 0;
        long macs = 0;
        long trainable = 0;
        Map<String, long[]> layout = LAYOUT.computeIfAbsent(options, o -> layout(o, slices, stemSize, inputSize,
                outputSize));
        for (String name : slices.names()) {
            long[] entry = layout.get(name);
            if (entry == null) {
                continue;                                      // α: never part of a path
            }
            long used = slices.usedRowCount(name) * entry[0];
            parameters += used;
            if (entry[1] == 1) {
                trainable += used;
            }
            macs += used * entry[2];
        }
        long activations = 2L * DartsOptions.STEM_MULTIPLIER * options.channels() * stemSize * stemSize;
        int channels = options.channels();
        for (int layer = 0; layer < options.layers(); layer++) {
            boolean reduction = options.isReduction(layer);
            if (reduction) {
                channels *= 2;
            }
            long in = (long) channels * inputSize[layer] * inputSize[layer];
            long out = (long) channels * outputSize[layer] * outputSize[layer];
            activations += 2 * 3 * in;                        // two preprocessed inputs: ReLU, conv, BN
            boolean[] live = PathSlices.liveStates(path, reduction);
            for (int node = 0; node < CellTopology.NODES; node++) {
                for (int source = 0; source <= node + 1; source++) {
                    if (live[source]) {
                        activations += stored(path.operation(reduction, CellTopology.edge(source, node)),
                                reduction && source < 2) * out;
                    }
                }
                activations += out;                            // the node's sum
            }
            activations += CellTopology.NODES * out;            // the concatenated output
        }
        return new PathCost(parameters, macs, 4 * parameters, trainable, activations);
    }

    /**
     * Per tensor (α left out): elements per row, 1 when trained by gradient descent, and the MACs
     * one used element costs per image (output pixels for a convolution, 1 for the classifier, 0
     * for BN), computed once per options.
     */
    private static Map<String, long[]> layout(DartsOptions options, PathSlices slices, int stemSize, int[] inputSize,
                                              int[] outputSize) {
        Map<String, long[]> layout = new HashMap<>();
        for (String name : slices.names()) {
            if (name.startsWith("alpha.")) {
                continue;
            }
            long[] shape = slices.shape(name);
            long perElement = 0;
            if (shape.length == 4) {
                if (name.startsWith("stem.")) {
                    perElement = (long) stemSize * stemSize;
                } else {
                    Matcher m = CELL_TENSOR.matcher(name);
                    if (!m.matches()) {
                        throw new IllegalStateException("unexpected convolution tensor " + name);
                    }
                    int layer = Integer.parseInt(m.group(1));
                    int side = m.group(2).startsWith("state") ? outputSize[layer] : inputSize[layer];
                    perElement = (long) side * side;
                }
            } else if (shape.length == 2) {
                perElement = 1;
            }
            layout.put(name, new long[] {slices.rowSize(name), slices.trainable(name) ? 1 : 0, perElement});
        }
        return layout;
    }

    /** Tensors of the output's size an operation keeps for backward: its intermediate results. */
    static int stored(Primitive op, boolean strided) {
        return switch (op) {
            case NONE -> 0;
            case SKIP_CONNECT -> strided ? 4 : 0;
            case MAX_POOL_3X3, AVG_POOL_3X3 -> 2;
            case DIL_CONV_3X3, DIL_CONV_5X5 -> 4;
            case SEP_CONV_3X3, SEP_CONV_5X5 -> 8;
        };
    }

    /**
     * Estimated peak memory of training the path with SGD and momentum on batches of {@code batch}:
     * fp32 weights, gradients and momentum of the trainable rows, plus the stored activations of a
     * batch. An estimate from the layer shapes (what the reference simulates), not a measurement.
     */
    public long peakTrainingBytes(int batch) {
        return 4 * (3 * trainableParameters + (long) batch * activationsPerImage);
    }

}
