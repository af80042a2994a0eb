package io.fedarch.core.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.nn.Parameter;
import ai.djl.nn.norm.BatchNorm;

/**
 * Batch normalisation over the channel axis of (N, C, H, W) arrays, with PyTorch's defaults
 * (momentum 0.1, eps 1e-5). DARTS's search network uses {@code affine=False} everywhere except
 * in the stem; without affine parameters the scale and shift are fixed ones and zeros.
 */
public final class BatchNormLayer {
    /** DJL's momentum weighs the old running value: 0.9 here is PyTorch's momentum 0.1. */
    private static final float MOMENTUM = 0.9f;
    /**
     * Set while statistics are re-measured: the weight of the old running value for the next batch,
     * k/(k+1) for batch k (0-based), so the running statistics become the plain mean over the batches
     * (PyTorch's momentum=None) instead of an exponential average dominated by the last few.
     */
    private static final ThreadLocal<Float> CUMULATIVE_WEIGHT = new ThreadLocal<>();
    private static final float EPSILON = 1e-5f;
    /** DJL's "axis -1" hands the array to torch.batch_norm as is (channels on axis 1) without swapping axes. */
    private static final int TORCH_LAYOUT = -1;

    private final Parameter gamma;
    private final Parameter beta;
    private final Parameter runningMean;
    private final Parameter runningVar;
    private NDArray ones;
    private NDArray zeros;

    public BatchNormLayer(ParameterRegistry registry, String prefix, int channels, boolean affine) {
        this.gamma = affine ? registry.gamma(prefix + ".weight", channels) : null;
        this.beta = affine ? registry.beta(prefix + ".bias", channels) : null;
        this.runningMean = registry.runningMean(prefix + ".running_mean", channels);
        this.runningVar = registry.runningVar(prefix + ".running_var", channels);
    }

    /** Normalises with batch statistics (updating the running ones) when training, else with the running ones. */
    public NDArray apply(NDArray x, boolean training) {
        NDArray scale;
        NDArray shift;
        if (gamma != null) {
            scale = gamma.getArray();
            shift = beta.getArray();
        } else {
            if (ones == null) {
                // Created once on the parameters' manager, so they live as long as the network.
                ones = runningVar.getArray().getManager().ones(runningVar.getArray().getShape());
                zeros = runningMean.getArray().getManager().zeros(runningMean.getArray().getShape());
            }
            scale = ones;
            shift = zeros;
        }
        return BatchNorm.batchNorm(x, runningMean.getArray(), runningVar.getArray(), scale, shift, TORCH_LAYOUT,
                momentum(), EPSILON, training).singletonOrThrow();
    }

    /**
     * Normalises {@code x} with channels [from, from + C) of this layer (C = x's channels), for an
     * operation evaluated on its own out of a stacked layer. The running statistics are passed as
     * views, so libtorch's in-place update of them lands in the stacked tensors.
     */
    public NDArray applyChannels(NDArray x, long from, boolean training) {
        long to = from + x.getShape().get(1);
        NDIndex rows = NDIndex.sliceAxis(0, from, to);
        NDArray mean = owned(runningMean.getArray().get(rows), x);
        NDArray var = owned(runningVar.getArray().get(rows), x);
        NDArray scale;
        NDArray shift;
        if (gamma != null) {
            scale = owned(gamma.getArray().get(rows), x);
            shift = owned(beta.getArray().get(rows), x);
        } else {
            scale = x.getManager().ones(mean.getShape());
            shift = x.getManager().zeros(mean.getShape());
        }
        return BatchNorm.batchNorm(x, mean, var, scale, shift, TORCH_LAYOUT, momentum(), EPSILON, training)
                .singletonOrThrow();
    }

    /** Slices of parameters land in the parameters' manager: hand them to the batch's so they are freed with it. */
    private static NDArray owned(NDArray slice, NDArray batchArray) {
        slice.attach(batchArray.getManager());
        return slice;
    }

    private static float momentum() {
        Float cumulative = CUMULATIVE_WEIGHT.get();
        return cumulative == null ? MOMENTUM : cumulative;
    }

    /**
     * Makes this thread's next training-mode passes average their batch statistics with equal weight:
     * call with 0, 1, 2, ... before each batch of a recalibration, and {@link #endCumulative()} after.
     */
    public static void cumulativeBatch(int batchIndex) {
        CUMULATIVE_WEIGHT.set(batchIndex / (batchIndex + 1f));
    }

    /** Back to the exponential running average of training. */
    public static void endCumulative() {
        CUMULATIVE_WEIGHT.remove();
    }
}
