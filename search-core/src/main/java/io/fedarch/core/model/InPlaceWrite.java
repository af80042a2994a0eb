package io.fedarch.core.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.pytorch.jni.JniUtils;

/**
 * Writes host values into an existing array's own memory.
 * <p>
 * Why not {@code NDArray.set(float[])}: DJL's PyTorch engine implements it by pointing the tensor
 * at a fresh direct buffer ({@code Tensor.set_}), held only by the Java object. Every earlier view
 * of the tensor keeps the previous storage, and when that was itself such a buffer, the garbage
 * collector frees it while libtorch may still read it. Training then read freed memory and DARTS
 * searches were not reproducible (same task, same JVM: parameter sums 1051.9986 vs 1052.0368,
 * identical with a collector that never frees). An indexed copy writes into the tensor's storage,
 * which libtorch owns, and every view sees the new values, as with PyTorch's {@code p.data.copy_()}.
 */
public final class InPlaceWrite {
    private static final NDIndex ALL = new NDIndex(":");

    private InPlaceWrite() {
    }

    /** Overwrites {@code target} (any shape, ≥ 1 dimension) with {@code values}, row-major; autograd does not record it. */
    public static void overwrite(NDArray target, float[] values) {
        if (values.length != target.size()) {
            throw new IllegalArgumentException("cannot write " + values.length + " values into an array of shape "
                    + target.getShape());
        }
        // Inside a gradient collector libtorch refuses in-place writes to parameters that require grad.
        boolean recording = JniUtils.isGradMode();
        JniUtils.setGradMode(false);
        try (NDArray source = target.getManager().create(values, target.getShape())) {
            target.set(ALL, source);
        } finally {
            JniUtils.setGradMode(recording);
        }
    }
}
