package io.fedarch.core.strategy;

import java.util.ArrayList;
import java.util.List;

import io.fedarch.core.tensor.ModelParameters;
import io.fedarch.core.tensor.NamedTensor;

/**
 * The server step of buffered asynchronous aggregation (FedBuff, Nguyen et al., AISTATS 2022):
 * <pre>
 *   delta_i  = local_i - base_i                       (base_i: the version client i started from)
 *   w_i      = (1 + s_i)^-a                           (s_i: versions passed since, a: stalenessExponent)
 *   global' = global + eta * (1/K) * sum_i w_i * delta_i
 * </pre>
 * The mean divides by the number of buffered updates K, not by the sum of the weights, as in
 * FedBuff: a buffer of stale updates moves the model less than a fresh one, which is the point of
 * down-weighting. Sample counts do not weigh in (as in FedBuff): every update is one client's
 * fixed amount of local work, and weighting by samples on top of staleness would let a large,
 * stale client dominate.
 */
public final class BufferedAsyncStep {
    private BufferedAsyncStep() {
    }

    /** (1 + staleness)^-exponent; 1 for a fresh update, 1/sqrt(2) for staleness 1 with exponent 0.5. */
    public static double stalenessWeight(int staleness, double exponent) {
        if (staleness < 0) {
            throw new IllegalArgumentException("staleness must be >= 0, got " + staleness);
        }
        return Math.pow(1.0 + staleness, -exponent);
    }

    /**
     * The next global model from the buffer folded as it arrived: {@code deltas} holds
     * Σ w_i · delta_i over the {@code buffered} updates (in double precision), so the coordinator
     * never holds the buffer's models. Equal to {@link #apply(ModelParameters, List, double, double)}
     * on the same updates up to floating-point rounding.
     *
     * @throws IllegalArgumentException when nothing was folded or {@code deltas} does not fit the global model
     */
    public static ModelParameters apply(ModelParameters global, RunningWeightedSum deltas, int buffered,
                                        double serverLearningRate) {
        if (buffered <= 0 || deltas.count() != buffered) {
            throw new IllegalArgumentException("cannot step on a buffer of " + buffered + " with " + deltas.count()
                    + " folded updates");
        }
        return deltas.offsetBy(global, serverLearningRate / buffered);
    }

    /**
     * The next global model from the whole buffer at once (the reference the folded step is checked
     * against). Accumulates in double precision.
     *
     * @throws IllegalArgumentException when the buffer is empty or a model does not fit the global one
     */
    public static ModelParameters apply(ModelParameters global, List<StaleUpdate> buffer, double stalenessExponent,
                                        double serverLearningRate) {
        if (buffer.isEmpty()) {
            throw new IllegalArgumentException("cannot step on an empty buffer");
        }
        for (StaleUpdate u : buffer) {
            try {
                global.requireCompatible(u.local());
                global.requireCompatible(u.base());
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("client " + u.clientId() + ": " + e.getMessage(), e);
            }
        }
        double scale = serverLearningRate / buffer.size();
        List<NamedTensor> next = new ArrayList<>();
        for (NamedTensor g : global.tensors()) {
            double[] step = new double[g.size()];
            for (StaleUpdate u : buffer) {
                double weight = scale * stalenessWeight(u.staleness(), stalenessExponent);
                float[] local = u.local().get(g.name()).values();
                float[] base = u.base().get(g.name()).values();
                for (int i = 0; i < step.length; i++) {
                    step[i] += weight * ((double) local[i] - base[i]);
                }
            }
            float[] out = new float[step.length];
            float[] current = g.values();
            for (int i = 0; i < out.length; i++) {
                out[i] = (float) (current[i] + step[i]);
            }
            next.add(new NamedTensor(g.name(), g.shape().clone(), out));
        }
        return new ModelParameters(next);
    }
}
