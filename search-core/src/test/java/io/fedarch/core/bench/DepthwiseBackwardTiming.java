package io.fedarch.core.bench;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.convolutional.Conv2d;
import ai.djl.training.GradientCollector;
import io.fedarch.core.model.Engines;

/** ms of one depthwise k×k convolution forward+backward, with and without the weight gradient (bench tool). */
public final class DepthwiseBackwardTiming {
    public static void main(String[] args) {
        try (NDManager m = Engines.newManager()) {
            for (int channels : new int[] {8, 32}) {
                for (int dilation : new int[] {1, 2}) {
                    for (boolean weightGrad : new boolean[] {false, true}) {
                      for (boolean channelsLast : new boolean[] {false, true}) {
                        NDArray x = m.randomNormal(new Shape(64, channels, 28, 28));
                        if (channelsLast) {
                            x = x.transpose(0, 2, 3, 1).reshape(64, 28, 28 * channels).reshape(64, 28, 28, channels)
                                    .transpose(0, 3, 1, 2);
                        }
                        NDArray w = m.randomNormal(new Shape(channels, 1, 5, 5));
                        x.setRequiresGradient(true);
                        w.setRequiresGradient(weightGrad);
                        long best = Long.MAX_VALUE;
                        for (int r = 0; r < 4; r++) {
                            long t = System.nanoTime();
                            try (GradientCollector c = Engine.getInstance().newGradientCollector()) {
                                NDArray y = Conv2d.conv2d(x, w, null, new Shape(1, 1), new Shape(2 * dilation, 2 * dilation),
                                        new Shape(dilation, dilation), channels).singletonOrThrow();
                                c.backward(y.sum());
                            }
                            best = Math.min(best, System.nanoTime() - t);
                        }
                        System.out.printf("C=%d 5x5 dilation %d weightGrad=%s channelsLast=%s: %.1f ms fwd+bwd%n",
                                channels, dilation, weightGrad, channelsLast, best / 1e6);
                      }
                    }
                }
            }
        }
    }
}
