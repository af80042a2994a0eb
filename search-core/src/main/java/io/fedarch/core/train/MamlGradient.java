package io.fedarch.core.train;

import java.util.List;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.nn.Parameter;
import ai.djl.pytorch.engine.PtNDArray;
import ai.djl.pytorch.jni.JniUtils;
import io.fedarch.core.model.InPlaceWrite;

/**
 * The MAML meta-gradient of one task (Finn et al., 2017), for any parameters and losses.
 * <p>
 * The task learner starts from the current parameters θ₀ and takes k plain SGD steps on the
 * support loss, θ_{j+1} = θ_j − B ∇L_s(θ_j) (B = each parameter's inner learning rate); the
 * meta-gradient is the gradient of the query loss at θ_k with respect to θ₀:
 * <ul>
 *   <li>first order (FOMAML): ∇L_q(θ_k), i.e. the Jacobian of the inner steps taken as I;</li>
 *   <li>second order: (I − H₀B)(I − H₁B)…(I − H_{k−1}B) ∇L_q(θ_k) with H_j the Hessian of L_s at
 *       θ_j, computed backwards from the query gradient with one Hessian-vector product per inner
 *       step. A Hessian-vector product Hu is the gradient of ∇L_s·u: one backward pass that
 *       records its own graph (libtorch's create_graph, reached through DJL's
 *       {@code JniUtils.backward(..., createGraph=true)}), then a backward pass through the dot product.</li>
 * </ul>
 * Each product runs on a fresh copy of the learner at θ_j ({@link Task#copyAt}).
 * <p>
 * The parameters are back at θ₀ on return (the caller applies the meta-update); no gradient is
 * left on them. Stochastic forward passes (Gumbel sampling) must be replayable: {@link Task}
 * gets the inner step index so the Hessian at θ_j sees the same sample as step j did.
 * <p>
 * Callers hold {@link GradientLock} and an open GradientCollector (it switches libtorch's grad mode on).
 */
public final class MamlGradient {

    /** The losses of one task, each a fresh forward pass at the parameters' current values. */
    public interface Task {
        /** Support loss of inner step {@code step} (0-based; replays that step's randomness). */
        NDArray supportLoss(int step);

        NDArray queryLoss();

        /**
         * A separate copy of the learner whose parameters hold {@code values} (in the order of the
         * meta-learned parameters) and have never had a gradient. Second-order MAML computes each
         * Hessian-vector product on such a copy: libtorch accumulates into an existing gradient
         * (old + new), and DJL offers no way to reset a parameter's gradient to undefined, so on the
         * live parameters the graph of one product's gradient would chain into the next.
         */
        Copy copyAt(float[][] values);
    }

    /** A throw-away copy of the learner for one Hessian-vector product. */
    public interface Copy extends AutoCloseable {
        /** Its parameters, in the order of the meta-learned ones. */
        List<Parameter> parameters();

        /** Support loss of inner step {@code step} on this copy. */
        NDArray supportLoss(int step);

        @Override
        void close();
    }

    /**
     * @param gradient        the meta-gradient per parameter, owned by the caller's manager
     * @param firstSupportLoss support loss at θ₀
     * @param queryLoss       query loss of the adapted learner θ_k
     */
    public record Result(NDArray[] gradient, double firstSupportLoss, double queryLoss) {
    }

    private MamlGradient() {
    }

    /**
     * @param parameters the meta-learned parameters (θ)
     * @param innerRates each parameter's inner SGD learning rate (B), same order
     * @param innerSteps k ≥ 1
     * @param manager    owns the returned gradient arrays and every temporary
     */
    public static Result compute(List<Parameter> parameters, double[] innerRates, int innerSteps, boolean secondOrder,
                                 Task task, NDManager manager) {
        if (innerSteps < 1) {
            throw new IllegalArgumentException("MAML needs at least one inner step, got " + innerSteps);
        }
        if (innerRates.length != parameters.size()) {
            throw new IllegalArgumentException(innerRates.length + " inner rates for " + parameters.size() + " parameters");
        }
        float[][] start = snapshot(parameters);
        float[][][] visited = new float[innerSteps][][];
        double firstSupportLoss = Double.NaN;
        for (int j = 0; j < innerSteps; j++) {
            visited[j] = j == 0 ? start : snapshot(parameters);
            zeroGradients(parameters);
            NDArray loss = task.supportLoss(j);
            if (j == 0) {
                firstSupportLoss = loss.getFloat();
            }
            JniUtils.backward((PtNDArray) loss, (PtNDArray) manager.ones(loss.getShape()), false, false);
            for (int i = 0; i < parameters.size(); i++) {
                NDArray weight = parameters.get(i).getArray();
                NDArray gradient = gradientOf(weight, manager);
                // Plain SGD: the inner update has to be the one whose Jacobian the second-order term differentiates.
                weight.getNDArrayInternal().sgdUpdate(new NDList(weight, gradient, gradient), new NDList(weight),
                        (float) innerRates[i], 0f, 1f, -1f, 0f, false);
            }
        }
        zeroGradients(parameters);
        NDArray query = task.queryLoss();
        double queryLoss = query.getFloat();
        JniUtils.backward((PtNDArray) query, (PtNDArray) manager.ones(query.getShape()), false, false);
        NDArray[] v = new NDArray[parameters.size()];
        for (int i = 0; i < v.length; i++) {
            v[i] = gradientOf(parameters.get(i).getArray(), manager).duplicate();
        }
        zeroGradients(parameters);
        if (secondOrder) {
            for (int j = innerSteps - 1; j >= 0; j--) {
                NDArray[] u = new NDArray[v.length];
                for (int i = 0; i < v.length; i++) {
                    u[i] = v[i].mul((float) innerRates[i]);
                }
                try (Copy copy = task.copyAt(visited[j])) {
                    NDArray[] hu = hessianVectorProduct(copy.parameters(), copy.supportLoss(j), u, manager);
                    for (int i = 0; i < v.length; i++) {
                        v[i] = v[i].sub(hu[i]);
                    }
                }
            }
        }
        restore(parameters, start);
        return new Result(v, firstSupportLoss, queryLoss);
    }

    /**
     * H u, H the Hessian of {@code loss} with respect to {@code parameters} at their current values.
     * The parameters must not have had a gradient yet (see {@link Task#copyAt}).
     */
    static NDArray[] hessianVectorProduct(List<Parameter> parameters, NDArray loss, NDArray[] u, NDManager manager) {
        // retain_graph as well, as torch.autograd.grad does with create_graph: the gradient's own graph
        // refers to values saved by the forward graph.
        JniUtils.backward((PtNDArray) loss, (PtNDArray) manager.ones(loss.getShape()), true, true);
        NDArray[] plain = new NDArray[parameters.size()];
        NDArray dot = null;
        for (int i = 0; i < parameters.size(); i++) {
            // With create_graph the gradient is itself a function of the parameters.
            NDArray g = gradientOf(parameters.get(i).getArray(), manager);
            plain[i] = g.stopGradient().duplicate();
            NDArray term = g.mul(u[i]).sum();
            dot = dot == null ? term : dot.add(term);
        }
        // The second pass adds ∇(∇L·u) = Hu to the gradient left by the first.
        JniUtils.backward((PtNDArray) dot, (PtNDArray) manager.ones(dot.getShape()), false, false);
        NDArray[] product = new NDArray[parameters.size()];
        for (int i = 0; i < product.length; i++) {
            product[i] = gradientOf(parameters.get(i).getArray(), manager).stopGradient().sub(plain[i]);
        }
        return product;
    }

    /** The parameter's gradient handle, given to {@code manager} (handles are fresh wrappers; zeros when none was computed). */
    private static NDArray gradientOf(NDArray weight, NDManager manager) {
        NDArray gradient = weight.getGradient();
        gradient.attach(manager);
        return gradient;
    }

    /** Detaches and zeroes every gradient (a create_graph backward leaves graph-carrying ones). */
    static void zeroGradients(List<Parameter> parameters) {
        for (Parameter p : parameters) {
            JniUtils.zeroGrad((PtNDArray) p.getArray());
        }
    }

    private static float[][] snapshot(List<Parameter> parameters) {
        float[][] values = new float[parameters.size()][];
        for (int i = 0; i < values.length; i++) {
            values[i] = parameters.get(i).getArray().toFloatArray();
        }
        return values;
    }

    private static void restore(List<Parameter> parameters, float[][] values) {
        for (int i = 0; i < values.length; i++) {
            InPlaceWrite.overwrite(parameters.get(i).getArray(), values[i]);
        }
    }
}
