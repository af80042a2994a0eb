package io.fedarch.core.darts;

import ai.djl.ndarray.NDArray;
import ai.djl.nn.Activation;
import ai.djl.nn.Parameter;
import io.fedarch.core.model.BatchNormLayer;
import io.fedarch.core.model.ParameterRegistry;

/**
 * DARTS's SepConv as the search network runs it (ReLU, depthwise k×k at the edge's stride,
 * pointwise, BN, ReLU, depthwise k×k, pointwise, BN; BN affine-free), so one edge's slice of the
 * supernet's stacked sep_conv weights can be loaded unchanged. Parameters under {@code prefix}:
 * dw1.weight, pw1.weight, bn1.*, dw2.weight, pw2.weight, bn2.*.
 */
final class SepConvOperation implements CellOperation {
    private final Primitive primitive;
    private final int stride;
    private final Parameter depthwise1;
    private final Parameter pointwise1;
    private final BatchNormLayer norm1;
    private final Parameter depthwise2;
    private final Parameter pointwise2;
    private final BatchNormLayer norm2;

    SepConvOperation(ParameterRegistry registry, String prefix, Primitive primitive, int channels, int stride) {
        if (!primitive.isSeparableConv()) {
            throw new IllegalArgumentException(primitive.dartsName() + " is not a separable convolution");
        }
        this.primitive = primitive;
        this.stride = stride;
        int k = primitive.kernel();
        this.depthwise1 = registry.weight(prefix + ".dw1.weight", channels, 1, k, k);
        this.pointwise1 = registry.weight(prefix + ".pw1.weight", channels, channels, 1, 1);
        this.norm1 = new BatchNormLayer(registry, prefix + ".bn1", channels, false);
        this.depthwise2 = registry.weight(prefix + ".dw2.weight", channels, 1, k, k);
        this.pointwise2 = registry.weight(prefix + ".pw2.weight", channels, channels, 1, 1);
        this.norm2 = new BatchNormLayer(registry, prefix + ".bn2", channels, false);
    }

    @Override
    public NDArray apply(NDArray x, boolean training) {
        int groups = (int) x.getShape().get(1);
        NDArray first = Tensors.conv(Activation.relu(x), depthwise1.getArray(), stride, primitive.padding(),
                primitive.dilation(), groups);
        NDArray stage1 = norm1.apply(Tensors.conv(first, pointwise1.getArray(), 1, 0, 1, 1), training);
        NDArray second = Tensors.conv(Activation.relu(stage1), depthwise2.getArray(), 1, primitive.padding(),
                primitive.dilation(), groups);
        return norm2.apply(Tensors.conv(second, pointwise2.getArray(), 1, 0, 1, 1), training);
    }

    @Override
    public long macs(int outPixels) {
        return (depthwise1.getShape().size() + pointwise1.getShape().size() + depthwise2.getShape().size()
                + pointwise2.getShape().size()) * outPixels;
    }
}
