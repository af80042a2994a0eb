package io.fedarch.core.darts;

import java.util.Random;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import io.fedarch.core.model.OwnedScalar;

/**
 * Per-edge mixing weights from one cell type's α table (14 edges × operations), with the mask's
 * log keep factors added to the logits:
 * <ul>
 *   <li>{@link #relaxed}: softmax(α + log m) — the deterministic relaxation (inference, and DARTS
 *       training when masked);</li>
 *   <li>{@link #sample} soft: softmax((α + log m + g)/τ) with g = −log(−log u), u ~ U(0, 1);</li>
 *   <li>{@link #sample} hard: the one-hot argmax of that sample in the forward pass, with the soft
 *       sample's gradient (straight-through: onehot + soft − stopGradient(soft), whose value is
 *       exactly the one-hot vector).</li>
 * </ul>
 * As τ → 0 the soft sample approaches the one-hot argmax; as τ grows it approaches uniform.
 */
public final class GumbelSoftmax {
    /** Keeps u away from 0 and 1, where −log(−log u) is infinite. */
    private static final double U_MARGIN = 1e-10;

    /**
     * @param weights the (14, operations) mixing weights, differentiable with respect to α
     * @param active  which operations of each edge have to be evaluated (weight may be non-zero)
     */
    public record Mixture(NDArray weights, boolean[][] active) {
    }

    private GumbelSoftmax() {
    }

    /** softmax(α + log m); an operation is active when its keep factor is > 0. */
    public static Mixture relaxed(NDArray alpha, float[] logFactors, NDManager batch) {
        NDArray logits = withLogFactors(alpha, logFactors, batch);
        return new Mixture(logits.softmax(1), activeByFactor(logFactors, alpha.getShape()));
    }

    /**
     * One Gumbel-softmax sample of every edge's weights.
     *
     * @param logFactors log keep factors, row-major, or null for none
     * @param noise      source of the Gumbel noise (seed it to replay a sample)
     */
    public static Mixture sample(NDArray alpha, float[] logFactors, double temperature, boolean hard, Random noise,
                                 NDManager batch) {
        if (!(temperature > 0)) {
            throw new IllegalArgumentException("temperature must be positive, got " + temperature);
        }
        Shape shape = alpha.getShape();
        int edges = (int) shape.get(0);
        int ops = (int) shape.get(1);
        float[] gumbel = new float[edges * ops];
        for (int i = 0; i < gumbel.length; i++) {
            double u = U_MARGIN + (1 - 2 * U_MARGIN) * noise.nextDouble();
            gumbel[i] = (float) -Math.log(-Math.log(u));
        }
        NDArray logits = withLogFactors(alpha, logFactors, batch).add(batch.create(gumbel, shape));
        NDArray soft = logits.div(OwnedScalar.of(batch, (float) temperature)).softmax(1);
        if (!hard) {
            return new Mixture(soft, activeByFactor(logFactors, shape));
        }
        float[] values = soft.toFloatArray();
        float[] oneHot = new float[values.length];
        boolean[][] active = new boolean[edges][ops];
        for (int e = 0; e < edges; e++) {
            int best = 0;
            for (int o = 1; o < ops; o++) {
                if (values[e * ops + o] > values[e * ops + best]) {
                    best = o;
                }
            }
            oneHot[e * ops + best] = 1f;
            active[e][best] = true;
        }
        NDArray straightThrough = batch.create(oneHot, shape).add(soft.sub(soft.stopGradient()));
        return new Mixture(straightThrough, active);
    }

    /** α + log m, attached to the batch's manager (operations on a parameter land in the parameter's). */
    private static NDArray withLogFactors(NDArray alpha, float[] logFactors, NDManager batch) {
        NDArray logits = logFactors == null ? alpha.mul(OwnedScalar.of(batch, 1f)) : alpha.add(batch.create(logFactors, alpha.getShape()));
        logits.attach(batch);
        return logits;
    }

    private static boolean[][] activeByFactor(float[] logFactors, Shape shape) {
        int edges = (int) shape.get(0);
        int ops = (int) shape.get(1);
        boolean[][] active = new boolean[edges][ops];
        for (int e = 0; e < edges; e++) {
            for (int o = 0; o < ops; o++) {
                active[e][o] = logFactors == null || logFactors[e * ops + o] > OperationMask.LOG_ZERO;
            }
        }
        return active;
    }
}
