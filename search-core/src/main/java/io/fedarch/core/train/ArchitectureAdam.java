package io.fedarch.core.train;

import java.util.List;

import ai.djl.ndarray.NDArray;
import ai.djl.nn.Parameter;
import io.fedarch.core.model.InPlaceWrite;

/**
 * Adam on the architecture parameters α with DARTS's settings (betas 0.5/0.999, L2 weight decay
 * added to the gradient, as torch.optim.Adam does). α is only 2×14×|ops| numbers, so Adam runs on
 * the host in double precision; its moments start from zero for every local search (a stateless
 * worker keeps no optimiser state between rounds).
 */
public final class ArchitectureAdam {
    public static final double BETA1 = 0.5;
    public static final double BETA2 = 0.999;
    public static final double EPSILON = 1e-8;

    private final List<Parameter> alphas;
    private final double learningRate;
    private final double weightDecay;
    private final double[][] firstMoment;
    private final double[][] secondMoment;
    private int steps;

    public ArchitectureAdam(List<Parameter> alphas, double learningRate, double weightDecay) {
        this.alphas = alphas;
        this.learningRate = learningRate;
        this.weightDecay = weightDecay;
        this.firstMoment = new double[alphas.size()][];
        this.secondMoment = new double[alphas.size()][];
        for (int i = 0; i < alphas.size(); i++) {
            int size = Math.toIntExact(alphas.get(i).getShape().size());
            firstMoment[i] = new double[size];
            secondMoment[i] = new double[size];
        }
    }

    /** One update of every α from its gradient (same order as the parameters). */
    public void step(List<float[]> gradients) {
        steps++;
        double correction1 = 1 - Math.pow(BETA1, steps);
        double correction2 = 1 - Math.pow(BETA2, steps);
        for (int i = 0; i < alphas.size(); i++) {
            NDArray alpha = alphas.get(i).getArray();
            float[] values = alpha.toFloatArray();
            float[] g = gradients.get(i);
            double[] m = firstMoment[i];
            double[] v = secondMoment[i];
            for (int k = 0; k < values.length; k++) {
                double grad = g[k] + weightDecay * values[k];
                m[k] = BETA1 * m[k] + (1 - BETA1) * grad;
                v[k] = BETA2 * v[k] + (1 - BETA2) * grad * grad;
                double denominator = Math.sqrt(v[k]) / Math.sqrt(correction2) + EPSILON;
                values[k] = (float) (values[k] - learningRate / correction1 * m[k] / denominator);
            }
            InPlaceWrite.overwrite(alpha, values);
        }
    }
}
