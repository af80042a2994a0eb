package io.fedarch.core.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;

import org.junit.jupiter.api.Test;

class GammaSamplerTest {

    @Test
    void meanAndVarianceMatchTheShape() {
        // Gamma(a, 1) has mean a and variance a.
        for (double shape : new double[] {0.1, 0.5, 1, 3, 20}) {
            Random random = new Random(9);
            int n = 40_000;
            double sum = 0;
            double sumSq = 0;
            for (int i = 0; i < n; i++) {
                double x = GammaSampler.sample(shape, random);
                assertTrue(x >= 0);
                sum += x;
                sumSq += x * x;
            }
            double mean = sum / n;
            double variance = sumSq / n - mean * mean;
            assertEquals(shape, mean, 0.03 * shape + 0.01, "mean for shape " + shape);
            assertEquals(shape, variance, 0.1 * shape + 0.01, "variance for shape " + shape);
        }
    }

    @Test
    void dirichletDrawsSumToOne() {
        Random random = new Random(1);
        for (int i = 0; i < 100; i++) {
            double[] p = GammaSampler.symmetricDirichlet(0.05, 10, random);
            double sum = 0;
            for (double v : p) {
                assertTrue(v >= 0);
                sum += v;
            }
            assertEquals(1.0, sum, 1e-9);
        }
    }
}
