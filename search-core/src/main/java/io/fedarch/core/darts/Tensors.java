package io.fedarch.core.darts;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.convolutional.Conv2d;

/** The few tensor primitives the search network is written in, each one engine call. */
final class Tensors {
    private Tensors() {
    }

    /**
     * 2-D convolution without bias; {@code groups} = input channels makes it depthwise, and then an
     * undilated one runs channels-last ({@link #depthwiseOnChannelsLast}). Dilated ones stay row-major:
     * on an AMD EPYC (AVX-512) libtorch 2.7.1's channels-last dilated depthwise backward returns a wrong
     * input gradient (max error 1.5 of 7 for 3×3, dilation 2; DepthwiseChannelsLastTest), while Intel
     * Xeons computed it right; the row-major kernel is right on both.
     */
    static NDArray conv(NDArray x, NDArray weight, int stride, int padding, int dilation, int groups) {
        if (groups > 1 && dilation == 1) {
            return depthwiseOnChannelsLast(channelsLast(x), weight, stride, padding, dilation);
        }
        return Conv2d.conv2d(x, weight, null, new Shape(stride, stride), new Shape(padding, padding),
                new Shape(dilation, dilation), groups).singletonOrThrow();
    }

    /**
     * A depthwise convolution (weight (C, 1, k, k)) of an input stored channels-last, returned
     * row-major. On row-major (NCHW) input libtorch 2.7.1's CPU depthwise backward is 2.5–6× slower
     * than on channels-last input, above all the weight gradient (measured 64×32×28×28, 5×5, with
     * the weight gradient: 57 vs 20 ms; dilation 2: 91 vs 33 ms; DepthwiseBackwardTiming), which
     * outweighs the two layout copies.
     */
    static NDArray depthwiseOnChannelsLast(NDArray xChannelsLast, NDArray weight, int stride, int padding,
                                           int dilation) {
        return contiguous(Conv2d.conv2d(xChannelsLast, weight, null, new Shape(stride, stride),
                new Shape(padding, padding), new Shape(dilation, dilation), (int) weight.getShape().get(0))
                .singletonOrThrow());
    }

    /** The same (N, C, H, W) array stored channels-last (NHWC strides): one copy. */
    static NDArray channelsLast(NDArray x) {
        return tiledChannelsLast(x, 1);
    }

    /**
     * x repeated {@code copies} times along the channels, (N, copies·C, H, W), stored channels-last:
     * the repetition and the layout change in one copy.
     */
    static NDArray tiledChannelsLast(NDArray x, int copies) {
        Shape s = x.getShape();
        long n = s.get(0);
        long c = s.get(1);
        long h = s.get(2);
        long w = s.get(3);
        // (N, H, W, C) view -> broadcast copies -> one reshape that cannot be a view, so libtorch
        // materialises it row-major in (N, H, W, copies·C) order; the last transpose is a view again.
        return x.transpose(0, 2, 3, 1).reshape(n, h, w, 1, c).broadcast(n, h, w, copies, c)
                .reshape(n, h, w * copies * c).reshape(n, h, w, copies * c).transpose(0, 3, 1, 2);
    }

    /** The same (N, C, H, W) array stored row-major (NCHW). */
    static NDArray contiguous(NDArray x) {
        Shape s = x.getShape();
        return x.reshape(s.get(0), s.get(1) * s.get(2) * s.get(3)).reshape(s);
    }

    /**
     * A grouped 1×1 convolution (weight (groups·C_out, C_in, 1, 1)) computed as one batched matrix
     * product: (groups, C_out, C_in) × (N, groups, C_in, H·W). With DARTS's few channels per group,
     * libtorch's grouped convolution is about 2.4× slower than this on CPU (measured: 3.8 vs 1.6 ms
     * for 16 groups of 4→4 channels at 64×14×14), in both directions.
     */
    static NDArray groupedPointwise(NDArray x, NDArray weight, int groups) {
        Shape in = x.getShape();
        long n = in.get(0);
        long h = in.get(2);
        long w = in.get(3);
        long outPerGroup = weight.getShape().get(0) / groups;
        NDArray kernels = weight.reshape(groups, outPerGroup, weight.getShape().get(1));
        // An operation on a parameter lands in the parameters' manager: hand it to the batch's.
        kernels.attach(x.getManager());
        return kernels.matMul(x.reshape(n, groups, in.get(1) / groups, h * w)).reshape(n, groups * outPerGroup, h, w);
    }

    /** Channels {@code from..to-1} of an (N, C, H, W) array, as a view. */
    static NDArray channels(NDArray x, long from, long to) {
        return x.get(NDIndex.sliceAxis(1, from, to));
    }

    /** Spatial size after a 3×3-style window with "same" padding at {@code stride}: ⌈size/stride⌉. */
    static int strided(int size, int stride) {
        return (size + stride - 1) / stride;
    }
}
