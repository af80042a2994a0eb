package io.fedarch.core.darts;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;
import ai.djl.nn.Parameter;
import io.fedarch.core.model.BatchNormLayer;
import io.fedarch.core.model.ParameterRegistry;

/**
 * DARTS's FactorizedReduce (ReLU, two stride-2 1×1 convolutions, the second on the input shifted by
 * one pixel, concatenated, then BN): halves the resolution without discarding every other pixel.
 * Used for skip_connect on reduction edges and for a cell's first input after a reduction cell.
 * <p>
 * {@code copies} independent instances that read the same input are evaluated together: their
 * convolutions are stacked along the output channels (one convolution call per branch) and the
 * result is laid out as (N, copies·C, H/2, W/2), copy-major.
 * <p>
 * 28×28 adaptation: on an odd size (7×7 after two halvings) the shifted branch would come out one
 * pixel smaller (3 vs 4), so it is zero-padded at the bottom/right to ⌈H/2⌉ like every other
 * stride-2 operation. On even sizes this is exactly DARTS's operation.
 * <p>
 * A single copy is also a derived cell's stride-2 skip_connect ({@link CellOperation}).
 */
final class FactorizedReduce implements CellOperation {
    private static final NDIndex SHIFTED = new NDIndex(":, :, 1:, 1:");

    private final int copies;
    private final int outChannels;
    private final Parameter conv1;
    private final Parameter conv2;
    private final BatchNormLayer norm;

    FactorizedReduce(ParameterRegistry registry, String prefix, int inChannels, int outChannels, int copies,
                     boolean affine) {
        if (outChannels % 2 != 0) {
            throw new IllegalArgumentException("FactorizedReduce needs an even channel count, got " + outChannels);
        }
        this.copies = copies;
        this.outChannels = outChannels;
        this.conv1 = registry.weight(prefix + ".conv_1.weight", (long) copies * outChannels / 2, inChannels, 1, 1);
        this.conv2 = registry.weight(prefix + ".conv_2.weight", (long) copies * outChannels / 2, inChannels, 1, 1);
        this.norm = new BatchNormLayer(registry, prefix + ".bn", copies * outChannels, affine);
    }

    /** Applies the ReLU itself. */
    @Override
    public NDArray apply(NDArray x, boolean training) {
        return applyToActivated(Activation.relu(x), training);
    }

    /** For callers that already hold ReLU(x) (it is shared by every convolutional operation of a state). */
    NDArray applyToActivated(NDArray activated, boolean training) {
        NDArray shifted = activated.get(SHIFTED);
        if (activated.getShape().get(2) % 2 != 0) {
            shifted = shifted.pad(new Shape(0, 1, 0, 1), 0);
        }
        NDArray a = Tensors.conv(activated, conv1.getArray(), 2, 0, 1, 1);
        NDArray b = Tensors.conv(shifted, conv2.getArray(), 2, 0, 1, 1);
        long n = a.getShape().get(0);
        long h = a.getShape().get(2);
        long w = a.getShape().get(3);
        NDArray joined;
        if (copies == 1) {
            joined = a.concat(b, 1);
        } else {
            // Per copy: its conv_1 half, then its conv_2 half, as DARTS's torch.cat([...], dim=1) does.
            Shape halves = new Shape(n, copies, outChannels / 2, h, w);
            joined = a.reshape(halves).concat(b.reshape(halves), 2).reshape(n, (long) copies * outChannels, h, w);
        }
        return norm.apply(joined, training);
    }

    /**
     * Copy {@code copy} alone (its rows of the stacked convolutions and BN), for an edge evaluated
     * on its own; equal to that copy's block of {@link #applyToActivated}.
     */
    NDArray applyCopy(NDArray activated, int copy, boolean training) {
        NDArray shifted = activated.get(SHIFTED);
        if (activated.getShape().get(2) % 2 != 0) {
            shifted = shifted.pad(new Shape(0, 1, 0, 1), 0);
        }
        long half = outChannels / 2;
        NDIndex rows = NDIndex.sliceAxis(0, copy * half, (copy + 1) * half);
        NDArray w1 = conv1.getArray().get(rows);
        NDArray w2 = conv2.getArray().get(rows);
        w1.attach(activated.getManager());
        w2.attach(activated.getManager());
        NDArray joined = Tensors.conv(activated, w1, 2, 0, 1, 1).concat(Tensors.conv(shifted, w2, 2, 0, 1, 1), 1);
        return norm.applyChannels(joined, (long) copy * outChannels, training);
    }

    @Override
    public long macs(int outPixels) {
        return (conv1.getShape().size() + conv2.getShape().size()) * outPixels;
    }
}
