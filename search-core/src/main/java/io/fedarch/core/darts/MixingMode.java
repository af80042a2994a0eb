package io.fedarch.core.darts;

/** How the supernet turns α into each edge's mixing weights while training. */
public enum MixingMode {
    /** DARTS: softmax(α), every operation of every edge evaluated (fused, see {@link MixedOperations}). */
    SOFTMAX,
    /** Gumbel-softmax: softmax((α + log m + g)/τ), g ~ Gumbel(0, 1), every unmasked operation evaluated. */
    GUMBEL_SOFT,
    /**
     * Straight-through Gumbel-softmax (GDAS): the forward pass uses the one-hot argmax of the
     * sample, so only the sampled operation of each edge is evaluated; the backward pass sees the
     * soft sample's gradient through the sampled operation's weight.
     */
    GUMBEL_HARD
}
