package io.fedarch.core.algorithms.metadnas;

import java.util.List;

import io.fedarch.core.algorithms.fednas.ArchitecturePenalty;
import io.fedarch.core.darts.OperationCosts;

/**
 * Meta-DNAS's penalty on complex architectures, added to α's objective in the client's local search.
 * E_α[MACs] is the expected cost of the architecture drawn edge by edge from softmax(α)
 * ({@link OperationCosts}); MACs_max is the dearest single path's.
 * <ul>
 *   <li>without a budget: λ_c · E_α[MACs] / MACs_max (in [0, λ_c]), a constant pull towards cheaper
 *       operations;</li>
 *   <li>with a client budget B: λ_c · max(0, E_α[MACs] − B) / B, a hinge that is silent once the
 *       expected architecture fits the device.</li>
 * </ul>
 * Its gradient is exact (softmax's Jacobian applied to the per-operation costs), computed on the host.
 */
public final class ComplexityRegularizer implements ArchitecturePenalty {
    private final OperationCosts costs;
    private final double weight;
    private final double budget;

    /**
     * @param weight λ_c (≥ 0)
     * @param budget the client's MACs budget, or +∞ for none
     */
    public ComplexityRegularizer(OperationCosts costs, double weight, double budget) {
        if (!(weight >= 0) || Double.isInfinite(weight)) {
            throw new IllegalArgumentException("complexity weight must be >= 0 and finite, got " + weight);
        }
        if (!(budget > 0)) {
            throw new IllegalArgumentException("MACs budget must be positive, got " + budget);
        }
        this.costs = costs;
        this.weight = weight;
        this.budget = budget;
    }

    public boolean hasBudget() {
        return !Double.isInfinite(budget);
    }

    public double budget() {
        return budget;
    }

    /** E_α[MACs] for α = (normal, reduce). */
    public double expectedMacs(List<float[]> alphas) {
        return costs.expectedMacs(alphas.get(0), alphas.get(1));
    }

    /** The penalty's value at α. */
    public double value(List<float[]> alphas) {
        return penalty(expectedMacs(alphas));
    }

    private double penalty(double expected) {
        return hasBudget() ? weight * Math.max(0, expected - budget) / budget : weight * expected / costs.maxMacs();
    }

    @Override
    public double addGradient(List<float[]> alphas, List<float[]> gradients) {
        double expected = expectedMacs(alphas);
        double scale;
        if (hasBudget()) {
            scale = expected > budget ? weight / budget : 0;
        } else {
            scale = weight / costs.maxMacs();
        }
        if (scale != 0) {
            for (int type = 0; type < 2; type++) {
                double[] d = costs.expectedMacsGradient(alphas.get(type), type == 1);
                float[] g = gradients.get(type);
                for (int k = 0; k < g.length; k++) {
                    g[k] += (float) (scale * d[k]);
                }
            }
        }
        return penalty(expected);
    }
}
