package io.fedarch.core.train;

import java.nio.FloatBuffer;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import io.fedarch.core.data.ImageDataset;

/** Builds batch NDArrays straight from an {@link ImageDataset}'s arrays, with one copy per batch. */
public final class Batches {
    private Batches() {
    }

    /**
     * Images {@code from..to-1} of {@code order} (or of the dataset itself when order is null) as
     * an (n, channels, height, width) array owned by {@code manager}.
     */
    public static NDArray images(NDManager manager, ImageDataset data, int[] order, int from, int to) {
        TaskDeadline.check();
        int per = data.imageSize();
        float[] buffer = new float[(to - from) * per];
        for (int i = from; i < to; i++) {
            int sample = order == null ? i : order[i];
            System.arraycopy(data.pixels(), sample * per, buffer, (i - from) * per, per);
        }
        return manager.create(FloatBuffer.wrap(buffer),
                new Shape(to - from, data.channels(), data.height(), data.width()));
    }

    /** The matching labels as int64 class indices. */
    public static NDArray labels(NDManager manager, ImageDataset data, int[] order, int from, int to) {
        long[] labels = new long[to - from];
        for (int i = from; i < to; i++) {
            labels[i - from] = data.labels()[order == null ? i : order[i]];
        }
        return manager.create(labels);
    }

    /** The matching labels as plain ints, for counting correct predictions on the Java side. */
    public static int[] labelValues(ImageDataset data, int[] order, int from, int to) {
        int[] labels = new int[to - from];
        for (int i = from; i < to; i++) {
            labels[i - from] = data.labels()[order == null ? i : order[i]];
        }
        return labels;
    }

    /** Number of predictions (arg-max of each row of logits) equal to the labels. */
    public static int correct(NDArray logits, int[] labels) {
        long[] predicted = logits.argMax(1).toLongArray();
        int hits = 0;
        for (int i = 0; i < labels.length; i++) {
            if (predicted[i] == labels[i]) {
                hits++;
            }
        }
        return hits;
    }

    /** Mean softmax cross-entropy of logits (n, classes) against int64 labels (n). */
    public static NDArray crossEntropy(NDArray logits, NDArray labels) {
        NDArray logProbabilities = logits.logSoftmax(1);
        NDArray picked = logProbabilities.mul(labels.oneHot(Math.toIntExact(logits.getShape().get(1)))).sum(new int[] {1});
        return picked.mean().neg();
    }
}
