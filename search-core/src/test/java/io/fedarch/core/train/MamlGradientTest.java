package io.fedarch.core.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Function;

import org.junit.jupiter.api.Test;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.training.GradientCollector;
import io.fedarch.core.model.Engines;

class MamlGradientTest {

    /** A scalar parameter holding {@code value}. */
    private static Parameter scalar(String name, float value, NDManager manager) {
        Parameter p = Parameter.builder().setName(name).setType(Parameter.Type.WEIGHT).build();
        NDArray array = manager.create(new float[] {value});
        array.setRequiresGradient(true);
        p.setArray(array);
        return p;
    }

    private static double[] metaGradient(List<Parameter> theta, double[] rates, int steps, boolean secondOrder,
                                         Function<List<NDArray>, NDArray> support,
                                         Function<List<NDArray>, NDArray> query, NDManager manager) {
        ReentrantLock lock = GradientLock.get();
        lock.lock();
        try (GradientCollector ignored = Engine.getInstance().newGradientCollector()) {
            MamlGradient.Result result = MamlGradient.compute(theta, rates, steps, secondOrder, new MamlGradient.Task() {
                @Override
                public NDArray supportLoss(int step) {
                    return support.apply(theta.stream().map(Parameter::getArray).toList());
                }

                @Override
                public NDArray queryLoss() {
                    return query.apply(theta.stream().map(Parameter::getArray).toList());
                }

                @Override
                public MamlGradient.Copy copyAt(float[][] values) {
                    List<Parameter> copy = new java.util.ArrayList<>();
                    for (int i = 0; i < values.length; i++) {
                        copy.add(scalar("copy" + i, values[i][0], manager));
                    }
                    return new MamlGradient.Copy() {
                        @Override
                        public List<Parameter> parameters() {
                            return copy;
                        }

                        @Override
                        public NDArray supportLoss(int step) {
                            return support.apply(copy.stream().map(Parameter::getArray).toList());
                        }

                        @Override
                        public void close() {
                            copy.forEach(Parameter::close);
                        }
                    };
                }
            }, manager);
            double[] g = new double[theta.size()];
            for (int i = 0; i < g.length; i++) {
                g[i] = result.gradient()[i].getFloat(0);
            }
            return g;
        } finally {
            lock.unlock();
        }
    }

    /**
     * θ = 2, support loss ½·a·θ² (a = 2), query loss ½·b·(θ − c)² (b = 3, c = 1), one inner step
     * with β = 0.1: θ' = (1 − βa)θ = 1.6. First order: b(θ' − c) = 1.8. Second order multiplies by
     * dθ'/dθ = 1 − βa = 0.8: 1.44.
     */
    @Test
    void secondOrderDiffersFromFirstOrderOnAHandCheckedQuadratic() {
        try (NDManager manager = Engines.newManager()) {
            for (boolean secondOrder : new boolean[] {false, true}) {
                Parameter theta = scalar("theta", 2f, manager);
                double[] g = metaGradient(List.of(theta), new double[] {0.1}, 1, secondOrder,
                        p -> p.get(0).square().mul(1f).sum(),
                        p -> p.get(0).sub(1f).square().mul(1.5f).sum(), manager);
                assertEquals(secondOrder ? 1.44 : 1.8, g[0], 1e-5, secondOrder ? "second order" : "first order");
                assertEquals(2f, theta.getArray().getFloat(0), "θ is restored for the meta-update");
            }
        }
    }

    /**
     * Two parameters, two inner steps and a support loss whose Hessian changes along the way
     * (x²y): the second-order gradient equals a central finite difference of the unrolled
     * objective L_q(θ₂(θ₀)), the first-order one does not.
     */
    @Test
    void secondOrderMatchesFiniteDifferencesOfTheUnrolledObjective() {
        double beta = 0.05;
        double x0 = 0.7;
        double y0 = -0.4;
        double[] numeric = {
                (unrolled(x0 + 1e-4, y0, beta) - unrolled(x0 - 1e-4, y0, beta)) / 2e-4,
                (unrolled(x0, y0 + 1e-4, beta) - unrolled(x0, y0 - 1e-4, beta)) / 2e-4};
        try (NDManager manager = Engines.newManager()) {
            double[][] results = new double[2][];
            for (int order = 0; order < 2; order++) {
                Parameter x = scalar("x", (float) x0, manager);
                Parameter y = scalar("y", (float) y0, manager);
                results[order] = metaGradient(List.of(x, y), new double[] {beta, beta}, 2, order == 1,
                        p -> p.get(0).square().mul(p.get(1)).sum(),
                        p -> p.get(0).add(p.get(1).mul(2f)).square().sum(), manager);
            }
            assertEquals(numeric[0], results[1][0], 1e-3);
            assertEquals(numeric[1], results[1][1], 1e-3);
            double firstOrderError = Math.abs(results[0][0] - numeric[0]) + Math.abs(results[0][1] - numeric[1]);
            assertTrue(firstOrderError > 0.05, "first order should miss the Hessian terms: error " + firstOrderError);
        }
    }

    /** L_q(θ₂) after two SGD steps on L_s = x²y, in double precision. */
    private static double unrolled(double x, double y, double beta) {
        for (int step = 0; step < 2; step++) {
            double gx = 2 * x * y;
            double gy = x * x;
            x -= beta * gx;
            y -= beta * gy;
        }
        double s = x + 2 * y;
        return s * s;
    }
}
