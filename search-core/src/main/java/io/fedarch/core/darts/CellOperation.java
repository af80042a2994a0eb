package io.fedarch.core.darts;

import ai.djl.ndarray.NDArray;

/**
 * One chosen operation on one edge of a derived (discrete) cell. Unlike {@link MixedOperations},
 * which batches every candidate of every edge leaving a state, each instance owns exactly one
 * edge's parameters, so a derived network only pays for the operations its genotype keeps.
 */
interface CellOperation {

    /** @return (N, C, H/stride, W/stride) for an (N, C, H, W) input */
    NDArray apply(NDArray x, boolean training);

    /** Multiply–accumulates per image (convolutions only) for an output of {@code outPixels} positions. */
    long macs(int outPixels);
}
