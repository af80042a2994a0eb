package io.fedarch.core.train;

import java.util.function.Supplier;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.nn.Block;
import ai.djl.training.ParameterStore;
import io.fedarch.core.data.ImageDataset;
import io.fedarch.core.model.BatchNormLayer;
import io.fedarch.core.model.BlockParameters;
import io.fedarch.core.model.Engines;
import io.fedarch.core.tensor.ModelParameters;

/**
 * Re-measures a network's BN running statistics on local data without touching anything else:
 * training-mode forward passes (each BN normalises with the batch's statistics and records them)
 * and no gradient. A network cut out of a DARTS supernet, or a supernet trained on sampled paths,
 * carries statistics measured on a different function than the one evaluated — the mixture of
 * every operation, or one-hot paths — and in inference mode predicts little better than chance.
 * <p>
 * {@link #recalibrate} passes over the data once in batches of at least {@value #BATCH} and makes
 * the running statistics the plain mean over those batches (PyTorch's momentum=None), so every
 * image counts and nothing of the old statistics remains. {@link #exponential} is the earlier form
 * Meta-DNAS's derived fine-tuning was measured with: training's exponential average (momentum 0.1)
 * over at least {@value #MINIMUM_BATCHES} batches of {@code batchSize}, cycling a small split.
 */
public final class BatchNormRecalibration {
    public static final int MINIMUM_BATCHES = 30;
    /** Large batches give each layer's statistics over many images at once (forward passes only: cheap in memory). */
    static final int BATCH = 256;
    /** Enough images for each BN's statistics, at a bounded cost on a large client. */
    public static final int CALIBRATION_IMAGES = 1024;

    private BatchNormRecalibration() {
    }

    /**
     * Recalibrates {@code network}'s running statistics on {@code data} in place: one pass, equal-weight mean
     * over batches of max(batchSize, {@value #BATCH}).
     *
     * @return loss and accuracy of the passes (batch statistics), samples seen, steps 0 (nothing was optimised)
     */
    public static Metrics recalibrate(Block network, ImageDataset data, int batchSize) {
        return passes(network, data, Math.max(batchSize, BATCH), 1, true);
    }

    /**
     * Runs {@code evaluations} on {@code network} with its BN statistics re-measured on (at most
     * {@value #CALIBRATION_IMAGES} of) {@code calibration}, then gives the network its own parameters
     * back: a received global model carries the mean of the clients' statistics, which under non-IID
     * data fits none of them. A network without BN is evaluated as it is.
     */
    public static <T> T withOwnStatistics(Block network, ImageDataset calibration, int batchSize,
                                          Supplier<T> evaluations) {
        ModelParameters own = BlockParameters.read(network);
        boolean normalised = own.tensors().stream().anyMatch(t -> t.name().endsWith("running_mean"));
        if (!normalised || calibration.size() == 0) {
            return evaluations.get();
        }
        try {
            recalibrate(network, sample(calibration), batchSize);
            return evaluations.get();
        } finally {
            BlockParameters.load(network, own);
        }
    }

    /** The first {@value #CALIBRATION_IMAGES} images of {@code data} (all of them when fewer). */
    public static ImageDataset sample(ImageDataset data) {
        return data.size() <= CALIBRATION_IMAGES ? data : data.head(CALIBRATION_IMAGES);
    }

    /** Training's exponential average over at least {@value #MINIMUM_BATCHES} batches of {@code batchSize}, in order. */
    public static Metrics exponential(Block network, ImageDataset data, int batchSize) {
        return passes(network, data, batchSize, MINIMUM_BATCHES, false);
    }

    private static Metrics passes(Block network, ImageDataset data, int batchSize, int minimumBatches,
                                  boolean cumulative) {
        if (data.size() == 0) {
            return Metrics.empty();
        }
        double lossSum = 0;
        long hits = 0;
        int seen = 0;
        try (NDManager manager = Engines.newManager()) {
            ParameterStore store = new ParameterStore(manager, false);
            int batches = 0;
            boolean firstPass = true;
            while (firstPass || batches < minimumBatches) {
                for (int from = 0; from < data.size() && (firstPass || batches < minimumBatches); from += batchSize) {
                    int to = Math.min(data.size(), from + batchSize);
                    try (NDManager batch = manager.newSubManager()) {
                        if (cumulative) {
                            BatchNormLayer.cumulativeBatch(batches);
                        }
                        NDArray logits = network.forward(store,
                                new NDList(Batches.images(batch, data, null, from, to)), true).singletonOrThrow();
                        lossSum += Batches.crossEntropy(logits, Batches.labels(batch, data, null, from, to)).getFloat()
                                * (double) (to - from);
                        hits += Batches.correct(logits, Batches.labelValues(data, null, from, to));
                        seen += to - from;
                    } finally {
                        BatchNormLayer.endCumulative();
                    }
                    batches++;
                }
                firstPass = false;
            }
        }
        return new Metrics(lossSum / seen, (double) hits / seen, seen, 0);
    }
}
