package io.fedarch.core.algorithms.metadnas;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;

import io.fedarch.core.strategy.ServerState;
import io.fedarch.core.tensor.ModelParameters;
import io.fedarch.core.tensor.NamedTensor;

/**
 * The server's meta-learner step on Θ = (w, α): Θ ← Θ − η·g with plain SGD, or Adam (β = 0.9,
 * 0.999, ε = 1e-8) whose moments are server state ({@value #FIRST_MOMENT}&lt;tensor&gt;,
 * {@value #SECOND_MOMENT}&lt;tensor&gt; and the step count {@value #STEP}), checkpointed with the job
 * and never sent to a client.
 * <p>
 * For Reptile, g = Θ − Θ̄′ (the mean adapted model), and SGD is written as the interpolation
 * (1 − η)·Θ + η·Θ̄′, the same step, so that η = 1 gives Θ̄′ bit for bit: FedNAS's averaging.
 */
final class MetaOptimizer {
    static final String FIRST_MOMENT = "meta.adamM.";
    static final String SECOND_MOMENT = "meta.adamV.";
    static final String STEP = "meta.step";
    static final double BETA1 = 0.9;
    static final double BETA2 = 0.999;
    static final double EPSILON = 1e-8;

    /** The next Θ and server state. */
    record Step(ModelParameters next, ServerState state) {
    }

    private MetaOptimizer() {
    }

    /**
     * @param meanAdapted Reptile: the clients' sample-weighted mean Θ̄′; null under FOMAML
     * @param meanGradient FOMAML: the clients' sample-weighted mean query gradient; null under Reptile
     * @param stepped      the tensors the meta-learner updates; the others are taken from {@code replaced}
     * @param replaced     the values of the other tensors (the mean adapted model: BN statistics, and w when
     *                     only α is meta-learned)
     */
    static Step step(boolean adam, double learningRate, ModelParameters global, ServerState state,
                     ModelParameters meanAdapted, ModelParameters meanGradient, Set<String> stepped,
                     ModelParameters replaced) {
        int step = (int) state.number(STEP, 0) + 1;
        double correction1 = 1 - Math.pow(BETA1, step);
        double correction2 = 1 - Math.pow(BETA2, step);
        List<NamedTensor> next = new ArrayList<>();
        List<NamedTensor> moments = new ArrayList<>();
        for (NamedTensor theta : global.tensors()) {
            if (!stepped.contains(theta.name())) {
                next.add(replaced.get(theta.name()));
                continue;
            }
            float[] t = theta.values();
            float[] out = new float[t.length];
            float[] target = meanAdapted == null ? null : meanAdapted.get(theta.name()).values();
            float[] g = meanGradient == null ? null : meanGradient.get(theta.name()).values();
            if (!adam) {
                for (int i = 0; i < t.length; i++) {
                    out[i] = target != null ? (float) ((1 - learningRate) * t[i] + learningRate * (double) target[i])
                            : (float) (t[i] - learningRate * (double) g[i]);
                }
            } else {
                float[] m = moment(state, FIRST_MOMENT, theta);
                float[] v = moment(state, SECOND_MOMENT, theta);
                for (int i = 0; i < t.length; i++) {
                    double gradient = target != null ? (double) t[i] - target[i] : g[i];
                    double mi = BETA1 * m[i] + (1 - BETA1) * gradient;
                    double vi = BETA2 * v[i] + (1 - BETA2) * gradient * gradient;
                    m[i] = (float) mi;
                    v[i] = (float) vi;
                    out[i] = (float) (t[i] - learningRate * (mi / correction1) / (Math.sqrt(vi / correction2) + EPSILON));
                }
                moments.add(new NamedTensor(FIRST_MOMENT + theta.name(), theta.shape().clone(), m));
                moments.add(new NamedTensor(SECOND_MOMENT + theta.name(), theta.shape().clone(), v));
            }
            next.add(new NamedTensor(theta.name(), theta.shape().clone(), out));
        }
        ServerState after = (moments.isEmpty() ? state : state.withTensors(moments)).withValue(STEP, Integer.toString(step));
        return new Step(new ModelParameters(next), after);
    }

    /** A copy of the stored moment, or zeros before the first Adam step. */
    private static float[] moment(ServerState state, String prefix, NamedTensor theta) {
        NamedTensor stored = state.tensor(prefix + theta.name());
        if (stored == null) {
            return new float[theta.size()];
        }
        if (stored.size() != theta.size()) {
            throw new IllegalArgumentException("server state " + stored.name() + " has " + stored.size()
                    + " values for " + theta.size());
        }
        return stored.values().clone();
    }
}
