package io.fedarch.core.darts;

/**
 * The continuous relaxation a search network trains with: the mixing mode, the Gumbel
 * temperature τ and the soft-pruning mask. In inference mode every relaxation evaluates the
 * deterministic softmax(α + log m) over the unmasked operations (the "relaxed supernet").
 *
 * @param mask null = the whole space
 */
public record Relaxation(MixingMode mode, double temperature, OperationMask mask) {
    /** DARTS/FedNAS: plain softmax over every operation, no mask. */
    public static final Relaxation DARTS = new Relaxation(MixingMode.SOFTMAX, 1.0, null);

    public Relaxation {
        if (mode == null) {
            throw new IllegalArgumentException("a relaxation needs a mixing mode");
        }
        if (!(temperature > 0) || Double.isInfinite(temperature)) {
            throw new IllegalArgumentException("the Gumbel temperature must be positive, got " + temperature);
        }
        if (mask != null && mask.isFull()) {
            mask = null;
        }
    }

    /** Whether the fused all-operations path of DARTS applies (no sampling, no mask). */
    boolean isPlainSoftmax() {
        return mode == MixingMode.SOFTMAX && mask == null;
    }
}
