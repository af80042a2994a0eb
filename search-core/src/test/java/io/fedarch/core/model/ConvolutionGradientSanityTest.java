package io.fedarch.core.model;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;

import org.junit.jupiter.api.Test;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.convolutional.Conv2d;
import ai.djl.training.GradientCollector;

/**
 * The machine's libtorch computes a plain 3×3 convolution's gradients: finite, for the shapes the
 * model families use. One machine kind of this project (2-vCPU AMD EPYC Zen 5 VMs, 2026-12-01) returned
 * NaN gradients for one-input-channel convolutions from oneDNN's JIT kernels, at the AVX-512 level (this
 * test) and at the AVX2 level (SuperFedNAS's tests: "NaN or infinite values in 'stem.conv.weight'");
 * ONEDNN_MAX_CPU_ISA=SSE41 avoided both, and ./fedarch sets it there. This test names the cause when
 * that happens instead of leaving it to a federation test.
 */
class ConvolutionGradientSanityTest {
    @Test
    void threeByThreeConvolutionGradientsAreFinite() {
        // batch, in channels, out channels, size, stride
        int[][] shapes = {{32, 1, 8, 28, 1}, {32, 8, 8, 28, 1}, {32, 8, 16, 28, 2}, {32, 8, 8, 14, 1},
                {32, 16, 16, 14, 1}, {32, 16, 32, 14, 2}, {32, 32, 32, 7, 1}, {8, 8, 8, 28, 1}};
        try (NDManager m = Engines.newManager()) {
            // The defect seen depended on the data: several draws per shape.
            for (int draw = 0; draw < 10; draw++) {
                m.getEngine().setRandomSeed(11 + draw);
                for (int[] s : shapes) {
                    NDArray x = m.randomNormal(new Shape(s[0], s[1], s[3], s[3]));
                    NDArray w = m.randomNormal(new Shape(s[2], s[1], 3, 3)).mul(0.1f);
                    x.setRequiresGradient(true);
                    w.setRequiresGradient(true);
                    try (GradientCollector c = Engine.getInstance().newGradientCollector()) {
                        NDArray y = Conv2d.conv2d(x, w, null, new Shape(s[4], s[4]), new Shape(1, 1), new Shape(1, 1), 1)
                                .singletonOrThrow();
                        c.backward(y.sum());
                    }
                    String shape = Arrays.toString(s) + " (batch, in, out, size, stride)";
                    assertTrue(finite(x.getGradient()), "libtorch's input gradient of a 3x3 convolution " + shape
                            + " is not finite on this machine: its native kernels are broken here (run through ./fedarch, or set ONEDNN_MAX_CPU_ISA=SSE41)");
                    assertTrue(finite(w.getGradient()), "weight gradient not finite: " + shape);
                }
            }
        }
    }

    private static boolean finite(NDArray a) {
        return !a.isNaN().any().getBoolean() && !a.isInfinite().any().getBoolean();
    }
}
