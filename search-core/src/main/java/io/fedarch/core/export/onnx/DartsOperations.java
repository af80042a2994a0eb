package io.fedarch.core.export.onnx;

import io.fedarch.core.darts.Primitive;

/**
 * The DARTS operations of a discrete cell as ONNX nodes, each the inference-mode computation of its
 * io.fedarch.core.darts counterpart under the same parameter names (BN affine-free unless the
 * parameters carry a scale): SepConv, DilConv, pooling + BN, identity, FactorizedReduce and ReLUConvBN.
 */
final class DartsOperations {
    private static final int POOL_WINDOW = 3;
    private static final int POOL_PADDING = 1;
    /**
     * PoolOperation asks DJL for average pooling without counting the padding, but DJL 0.35.1's PyTorch
     * engine counts it (measured: the border outputs of DJL's avgPool2d(countIncludePad=false) equal
     * ONNX's count_include_pad=1, and differ by up to 0.07 in the logits from count_include_pad=0).
     * The export follows what the network computes, not what its source asks for.
     */
    private static final boolean DJL_COUNTS_POOL_PADDING = true;

    private final OnnxLayers layers;

    DartsOperations(OnnxLayers layers) {
        this.layers = layers;
    }

    OnnxLayers layers() {
        return layers;
    }

    /** The operation a gene names on an edge of the given stride (skip_connect at stride 2 is a FactorizedReduce). */
    String operation(String x, String prefix, Primitive primitive, int stride) {
        if (primitive.isSeparableConv()) {
            return sepConv(x, prefix, primitive, stride);
        }
        if (primitive.isDilatedConv()) {
            return dilConv(x, prefix, primitive, stride);
        }
        if (primitive.isPool()) {
            String pooled = primitive == Primitive.MAX_POOL_3X3
                    ? layers.maxPool(x, POOL_WINDOW, stride, POOL_PADDING)
                    : layers.avgPool(x, POOL_WINDOW, stride, POOL_PADDING, false, DJL_COUNTS_POOL_PADDING);
            return layers.batchNorm(pooled, prefix + ".bn");
        }
        if (primitive == Primitive.SKIP_CONNECT) {
            return stride == 1 ? x : factorizedReduce(x, prefix);
        }
        throw new IllegalArgumentException("a discrete cell cannot contain '" + primitive.dartsName() + "'");
    }

    /** ReLU, depthwise (stride), pointwise, BN, ReLU, depthwise, pointwise, BN. */
    String sepConv(String x, String prefix, Primitive primitive, int stride) {
        String h = layers.depthwise(layers.relu(x), prefix + ".dw1.weight", stride, primitive.padding(),
                primitive.dilation());
        h = layers.batchNorm(pointwise(h, prefix + ".pw1.weight"), prefix + ".bn1");
        h = layers.depthwise(layers.relu(h), prefix + ".dw2.weight", 1, primitive.padding(), primitive.dilation());
        return layers.batchNorm(pointwise(h, prefix + ".pw2.weight"), prefix + ".bn2");
    }

    /** ReLU, dilated depthwise (stride), pointwise, BN. */
    String dilConv(String x, String prefix, Primitive primitive, int stride) {
        String h = layers.depthwise(layers.relu(x), prefix + ".dw1.weight", stride, primitive.padding(),
                primitive.dilation());
        return layers.batchNorm(pointwise(h, prefix + ".pw1.weight"), prefix + ".bn1");
    }

    /** ReLU, 1×1 convolution, BN: how a cell adapts an input to its channels. */
    String reluConvBn(String x, String prefix) {
        return layers.batchNorm(pointwise(layers.relu(x), prefix + ".conv.weight"), prefix + ".bn");
    }

    /**
     * ReLU, then two stride-2 1×1 convolutions, the second on the input shifted by one pixel,
     * concatenated and normalised. The shifted branch is zero-padded by one at the bottom/right: on
     * an odd size that is the padding FactorizedReduce adds to reach ⌈H/2⌉, and on an even size the
     * padded row/column lies between stride-2 samples and is never read, so both cases are one node.
     */
    String factorizedReduce(String x, String prefix) {
        String activated = layers.relu(x);
        String a = layers.conv(activated, prefix + ".conv_1.weight", null, 2, 0, 1, 1);
        String b = layers.pointwiseEndPadded(layers.shiftedByOnePixel(activated), prefix + ".conv_2.weight", 2);
        return layers.batchNorm(layers.concatChannels(java.util.List.of(a, b)), prefix + ".bn");
    }

    private String pointwise(String x, String weight) {
        return layers.conv(x, weight, null, 1, 0, 1, 1);
    }
}
