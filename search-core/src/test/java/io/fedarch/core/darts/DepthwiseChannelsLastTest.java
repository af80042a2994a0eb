package io.fedarch.core.darts;

import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.convolutional.Conv2d;
import ai.djl.training.GradientCollector;
import io.fedarch.core.model.Engines;

/**
 * The search cells' depthwise convolutions ({@link Tensors#conv}, channels-last where issue 19 made
 * them so) must compute what the plain row-major convolution computes, forward and both gradients,
 * on the machine the tests run on: which libtorch kernel runs depends on the CPU. On an AMD EPYC the
 * channels-last kernel with dilation 2 gave a wrong input gradient (max error 1.5 of 7), so dilated
 * ones stay row-major; this test is what found it.
 */
class DepthwiseChannelsLastTest {
    @Test
    void depthwiseConvolutionsGiveTheRowMajorResultAndGradients() {
        for (int[] size : new int[][] {{8, 16, 14}, {32, 32, 28}, {16, 8, 7}, {16, 20, 14}, {16, 56, 7}}) {
            for (int dilation : new int[] {1, 2}) {
                for (int stride : new int[] {1, 2}) {
                    for (int kernel : new int[] {3, 5}) {
                        compare(size, kernel, stride, dilation);
                    }
                }
            }
        }
    }

    /** @param size batch, channels, height = width */
    private static void compare(int[] size, int kernel, int stride, int dilation) {
        try (NDManager m = Engines.newManager()) {
            m.getEngine().setRandomSeed(7);
            int channels = size[1];
            NDArray x = m.randomNormal(new Shape(size[0], channels, size[2], size[2]));
            NDArray w = m.randomNormal(new Shape(channels, 1, kernel, kernel));
            int padding = dilation * (kernel - 1) / 2;
            NDArray[] plain = run(x, w, stride, padding, dilation, false);
            NDArray[] fast = run(x, w, stride, padding, dilation, true);
            String[] what = {"output", "input gradient", "weight gradient"};
            for (int i = 0; i < 3; i++) {
                float worst = plain[i].sub(fast[i]).abs().max().getFloat();
                float scale = plain[i].abs().max().getFloat();
                String where = what[i] + " " + java.util.Arrays.toString(size) + " k" + kernel + " stride " + stride
                        + " dilation " + dilation;
                assertTrue(worst <= 1e-5f * Math.max(1f, scale), where + ": max difference " + worst + " of " + scale);
            }
        }
    }

    private static NDArray[] run(NDArray x0, NDArray w0, int stride, int padding, int dilation, boolean fast) {
        NDArray x = x0.duplicate();
        NDArray w = w0.duplicate();
        x.setRequiresGradient(true);
        w.setRequiresGradient(true);
        NDArray y;
        try (GradientCollector c = Engine.getInstance().newGradientCollector()) {
            y = fast ? Tensors.conv(x, w, stride, padding, dilation, (int) w.getShape().get(0))
                    : Conv2d.conv2d(x, w, null, new Shape(stride, stride), new Shape(padding, padding),
                    new Shape(dilation, dilation), (int) w.getShape().get(0)).singletonOrThrow();
            // A weighted sum, so every output position's gradient differs.
            c.backward(y.mul(y.getManager().arange((float) y.size()).reshape(y.getShape()).div(y.size())).sum());
        }
        return new NDArray[] {y.duplicate(), x.getGradient().duplicate(), w.getGradient().duplicate()};
    }
}
