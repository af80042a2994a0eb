package io.fedarch.core.train;

import java.util.Random;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import io.fedarch.core.data.ImageDataset;
import io.fedarch.core.train.Batches;
import io.fedarch.core.util.Seeds;

/**
 * The batches of a local search that uses two splits: every training batch of an epoch (shuffled
 * per epoch) paired with the next validation batch, the validation split cycled and reshuffled on
 * each pass when it is shorter. MiLeNAS uses the pair for its α step, MAML as support and query
 * sets. Seeded, so the same seed gives the same pairs.
 */
public final class PairedBatches {
    private static final long VALIDATION_SALT = 0x56414cL;

    /** One training batch (images, labels) and one validation batch, owned by the caller's manager. */
    public record Pair(NDArray images, NDArray labels, NDArray validationImages, NDArray validationLabels, int[] labelValues) {
        public int size() {
            return labelValues.length;
        }
    }

    private final ImageDataset train;
    private final ImageDataset validation;
    private final int batchSize;
    private final long seed;
    private final int[] order;
    private final int[] validationOrder;
    private int validationPass;
    private int validationCursor;
    private int cursor;

    public PairedBatches(ImageDataset train, ImageDataset validation, int batchSize, long seed) {
        this.train = train;
        this.validation = validation;
        this.batchSize = batchSize;
        this.seed = seed;
        this.order = new int[train.size()];
        this.validationOrder = new int[validation.size()];
        this.validationCursor = validationOrder.length;
        this.cursor = order.length;
    }

    /** Reshuffles the training split for {@code epoch}. */
    public void startEpoch(int epoch) {
        shuffle(order, Seeds.derive(seed, epoch));
        cursor = 0;
    }

    public boolean hasNext() {
        return cursor < order.length;
    }

    public Pair next(NDManager batch) {
        int from = cursor;
        int to = Math.min(order.length, from + batchSize);
        cursor = to;
        if (validationCursor >= validationOrder.length) {
            shuffle(validationOrder, Seeds.derive(seed, VALIDATION_SALT, validationPass++));
            validationCursor = 0;
        }
        int validationTo = Math.min(validationOrder.length, validationCursor + batchSize);
        Pair pair = new Pair(Batches.images(batch, train, order, from, to), Batches.labels(batch, train, order, from, to),
                Batches.images(batch, validation, validationOrder, validationCursor, validationTo),
                Batches.labels(batch, validation, validationOrder, validationCursor, validationTo),
                Batches.labelValues(train, order, from, to));
        validationCursor = validationTo;
        return pair;
    }

    private static void shuffle(int[] order, long seed) {
        for (int i = 0; i < order.length; i++) {
            order[i] = i;
        }
        Seeds.shuffle(order, new Random(seed));
    }
}
