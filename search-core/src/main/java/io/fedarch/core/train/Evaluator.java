package io.fedarch.core.train;

import io.fedarch.core.model.Engines;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.nn.Block;
import ai.djl.training.ParameterStore;
import io.fedarch.core.data.ImageDataset;
import io.fedarch.core.model.BlockParameters;
import io.fedarch.core.model.ModelFactory;
import io.fedarch.core.tensor.ModelParameters;
import io.fedarch.events.ModelSpec;

/** Measures loss and accuracy of a model on a dataset, in inference mode and without gradients. */
public final class Evaluator {
    public static final int DEFAULT_BATCH = 500;

    private Evaluator() {
    }

    /** Builds the spec's network, loads {@code parameters} and evaluates it. */
    public static Metrics evaluate(ModelSpec spec, ModelParameters parameters, ImageDataset data, int batchSize) {
        try (NDManager manager = Engines.newManager()) {
            Block block = ModelFactory.buildAllocated(spec, manager);
            BlockParameters.load(block, parameters);
            return evaluate(block, data, batchSize);
        }
    }

    /** Evaluates an initialised block as it is. */
    public static Metrics evaluate(Block block, ImageDataset data, int batchSize) {
        if (data.size() == 0) {
            return Metrics.empty();
        }
        if (batchSize < 1) {
            throw new IllegalArgumentException("batch size must be >= 1, got " + batchSize);
        }
        double lossSum = 0;
        long hits = 0;
        try (NDManager manager = Engines.newManager()) {
            ParameterStore parameters = new ParameterStore(manager, false);
            for (int from = 0; from < data.size(); from += batchSize) {
                int to = Math.min(data.size(), from + batchSize);
                // A sub-manager per batch frees the batch's native memory as soon as it is done.
                try (NDManager batch = manager.newSubManager()) {
                    NDArray x = Batches.images(batch, data, null, from, to);
                    NDArray y = Batches.labels(batch, data, null, from, to);
                    NDArray logits = block.forward(parameters, new NDList(x), false).singletonOrThrow();
                    lossSum += Batches.crossEntropy(logits, y).getFloat() * (double) (to - from);
                    hits += Batches.correct(logits, Batches.labelValues(data, null, from, to));
                }
            }
        }
        return new Metrics(lossSum / data.size(), (double) hits / data.size(), data.size(), 0);
    }
}
