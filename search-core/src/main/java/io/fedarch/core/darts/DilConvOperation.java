package io.fedarch.core.darts;

import ai.djl.ndarray.NDArray;
import ai.djl.nn.Activation;
import ai.djl.nn.Parameter;
import io.fedarch.core.model.BatchNormLayer;
import io.fedarch.core.model.ParameterRegistry;

/**
 * DARTS's DilConv as the search network runs it (ReLU, dilated depthwise k×k at the edge's stride,
 * pointwise, affine-free BN), so one edge's slice of the supernet's stacked weights loads unchanged.
 * Parameters under {@code prefix}: dw1.weight, pw1.weight, bn1.*.
 */
final class DilConvOperation implements CellOperation {
    private final Primitive primitive;
    private final int stride;
    private final Parameter depthwise;
    private final Parameter pointwise;
    private final BatchNormLayer norm;

    DilConvOperation(ParameterRegistry registry, String prefix, Primitive primitive, int channels, int stride) {
        if (!primitive.isDilatedConv()) {
            throw new IllegalArgumentException(primitive.dartsName() + " is not a dilated convolution");
        }
        this.primitive = primitive;
        this.stride = stride;
        int k = primitive.kernel();
        this.depthwise = registry.weight(prefix + ".dw1.weight", channels, 1, k, k);
        this.pointwise = registry.weight(prefix + ".pw1.weight", channels, channels, 1, 1);
        this.norm = new BatchNormLayer(registry, prefix + ".bn1", channels, false);
    }

    @Override
    public NDArray apply(NDArray x, boolean training) {
        NDArray spatial = Tensors.conv(Activation.relu(x), depthwise.getArray(), stride, primitive.padding(),
                primitive.dilation(), (int) x.getShape().get(1));
        return norm.apply(Tensors.conv(spatial, pointwise.getArray(), 1, 0, 1, 1), training);
    }

    @Override
    public long macs(int outPixels) {
        return (depthwise.getShape().size() + pointwise.getShape().size()) * outPixels;
    }
}
