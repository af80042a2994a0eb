package io.fedarch.core.darts;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.pooling.Pool;
import io.fedarch.core.model.BatchNormLayer;
import io.fedarch.core.model.ParameterRegistry;

/**
 * 3×3 max or average pooling (padding 1, average without counting the padding) followed by an
 * affine-free BN, as DARTS's MixedOp appends to pooling; keeping the BN lets the derived network
 * inherit the supernet's running statistics. Parameters under {@code prefix}: bn.*.
 */
final class PoolOperation implements CellOperation {
    private static final Shape WINDOW = new Shape(3, 3);
    private static final Shape PADDING = new Shape(1, 1);

    private final boolean max;
    private final Shape stride;
    private final BatchNormLayer norm;

    PoolOperation(ParameterRegistry registry, String prefix, Primitive primitive, int channels, int stride) {
        if (!primitive.isPool()) {
            throw new IllegalArgumentException(primitive.dartsName() + " is not a pooling operation");
        }
        this.max = primitive == Primitive.MAX_POOL_3X3;
        this.stride = new Shape(stride, stride);
        this.norm = new BatchNormLayer(registry, prefix + ".bn", channels, false);
    }

    @Override
    public NDArray apply(NDArray x, boolean training) {
        NDArray pooled = max ? Pool.maxPool2d(x, WINDOW, stride, PADDING, false)
                : Pool.avgPool2d(x, WINDOW, stride, PADDING, false, false);
        return norm.apply(pooled, training);
    }

    @Override
    public long macs(int outPixels) {
        return 0;
    }
}
