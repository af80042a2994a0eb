package io.fedarch.core.train;

import java.util.List;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.nn.Parameter;

/**
 * DARTS's weight update: the gradient clipped to a global L2 norm (torch.nn.utils.clip_grad_norm_:
 * scaled by clip / (norm + 1e-6) when above), then the engine's fused SGD step with weight decay
 * and momentum. Momentum buffers live as long as one local search.
 */
public final class ClippedSgd {
    private final List<Parameter> weights;
    private final NDArray[] momentum;
    private final double momentumFactor;
    private final double weightDecay;
    private final double clip;

    public ClippedSgd(List<Parameter> weights, NDManager manager, double momentum, double weightDecay, double clip) {
        this.weights = weights;
        this.momentum = new NDArray[weights.size()];
        for (int i = 0; i < this.momentum.length; i++) {
            this.momentum[i] = manager.zeros(weights.get(i).getArray().getShape());
        }
        this.momentumFactor = momentum;
        this.weightDecay = weightDecay;
        this.clip = clip;
    }

    /** @param gradients one per weight, same order; owned by the caller */
    public void step(NDArray[] gradients, double learningRate) {
        NDList norms = new NDList(gradients.length);
        for (NDArray g : gradients) {
            norms.add(g.norm());
        }
        double norm = NDArrays.stack(norms).norm().getFloat();
        float rescale = (float) Math.min(1.0, clip / (norm + 1e-6));
        for (int i = 0; i < gradients.length; i++) {
            NDArray weight = weights.get(i).getArray();
            weight.getNDArrayInternal().sgdUpdate(new NDList(weight, gradients[i], momentum[i]), new NDList(weight),
                    (float) learningRate, (float) weightDecay, rescale, -1f, (float) momentumFactor, false);
        }
    }
}
