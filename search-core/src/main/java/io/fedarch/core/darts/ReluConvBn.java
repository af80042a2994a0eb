package io.fedarch.core.darts;

import ai.djl.ndarray.NDArray;
import ai.djl.nn.Activation;
import ai.djl.nn.Parameter;
import io.fedarch.core.model.BatchNormLayer;
import io.fedarch.core.model.ParameterRegistry;

/** DARTS's ReLUConvBN with a 1×1 kernel: how a cell adapts its inputs to C channels. */
final class ReluConvBn implements CellOperation {
    private final Parameter weight;
    private final BatchNormLayer norm;

    ReluConvBn(ParameterRegistry registry, String prefix, int inChannels, int outChannels) {
        this.weight = registry.weight(prefix + ".conv.weight", outChannels, inChannels, 1, 1);
        this.norm = new BatchNormLayer(registry, prefix + ".bn", outChannels, false);
    }

    @Override
    public NDArray apply(NDArray x, boolean training) {
        return norm.apply(Tensors.conv(Activation.relu(x), weight.getArray(), 1, 0, 1, 1), training);
    }

    /** Multiply–accumulates per image for an output of {@code outPixels} positions. */
    @Override
    public long macs(int outPixels) {
        return weight.getShape().size() * outPixels;
    }
}
