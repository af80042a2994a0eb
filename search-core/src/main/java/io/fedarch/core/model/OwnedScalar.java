package io.fedarch.core.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;

/**
 * A scalar for arithmetic that autograd differentiates, in memory libtorch owns.
 * <p>
 * Why not {@code x.mul(2f)} or {@code x.div(t)}: DJL's PyTorch engine wraps the number in a tensor
 * over a Java direct buffer and closes it right after the operation, but the operation's backward
 * reads that scalar again. Once the garbage collector has freed the buffer, backward multiplied by
 * whatever the memory then held: DARTS searches were not reproducible (see {@link InPlaceWrite}).
 * {@code full} allocates through libtorch, whose reference counting keeps the value for backward.
 */
public final class OwnedScalar {
    private OwnedScalar() {
    }

    /** A 0-dimensional float32 array holding {@code value}, owned by {@code manager}. */
    public static NDArray of(NDManager manager, float value) {
        return manager.full(new Shape(), value);
    }
}
