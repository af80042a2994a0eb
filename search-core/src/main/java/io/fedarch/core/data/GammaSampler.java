package io.fedarch.core.data;

import java.util.Random;

/**
 * Gamma(shape, 1) variates by Marsaglia and Tsang's squeeze method (ACM TOMS 2000), the building
 * block of Dirichlet sampling. For shape &lt; 1 it uses the boost Gamma(a) = Gamma(a+1)·U^(1/a).
 */
public final class GammaSampler {
    private GammaSampler() {
    }

    public static double sample(double shape, Random random) {
        if (!(shape > 0) || Double.isInfinite(shape)) {
            throw new IllegalArgumentException("gamma shape must be positive and finite, got " + shape);
        }
        if (shape < 1) {
            double u = random.nextDouble();
            return sample(shape + 1, random) * Math.pow(u, 1 / shape);
        }
        double d = shape - 1.0 / 3.0;
        double c = 1 / Math.sqrt(9 * d);
        while (true) {
            double x;
            double v;
            do {
                x = random.nextGaussian();
                v = 1 + c * x;
            } while (v <= 0);
            v = v * v * v;
            double u = random.nextDouble();
            // Cheap squeeze first; the log test only runs for the rare rejections near the boundary.
            if (u < 1 - 0.0331 * x * x * x * x) {
                return d * v;
            }
            if (Math.log(u) < 0.5 * x * x + d * (1 - v + Math.log(v))) {
                return d * v;
            }
        }
    }

    /** One draw from the symmetric Dirichlet(alpha, …, alpha) over {@code k} categories. */
    public static double[] symmetricDirichlet(double alpha, int k, Random random) {
        double[] p = new double[k];
        double sum;
        do {
            sum = 0;
            for (int i = 0; i < k; i++) {
                p[i] = sample(alpha, random);
                sum += p[i];
            }
            // With tiny alpha every gamma can underflow to zero; draw again rather than divide by it.
        } while (sum <= 0);
        for (int i = 0; i < k; i++) {
            p[i] /= sum;
        }
        return p;
    }
}
