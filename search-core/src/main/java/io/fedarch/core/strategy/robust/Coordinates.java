package io.fedarch.core.strategy.robust;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.ToDoubleFunction;

import io.fedarch.core.strategy.ClientResult;
import io.fedarch.core.tensor.ModelParameters;
import io.fedarch.core.tensor.NamedTensor;

/** Applies a statistic to every coordinate: the clients' values of one parameter element, sorted. */
final class Coordinates {
    private Coordinates() {
    }

    static ModelParameters map(ModelParameters global, List<ClientResult> results, ToDoubleFunction<double[]> statistic) {
        List<NamedTensor> out = new ArrayList<>();
        double[] column = new double[results.size()];
        for (NamedTensor reference : global.tensors()) {
            float[][] values = new float[results.size()][];
            for (int k = 0; k < values.length; k++) {
                values[k] = results.get(k).parameters().get(reference.name()).values();
            }
            float[] combined = new float[reference.size()];
            for (int i = 0; i < combined.length; i++) {
                for (int k = 0; k < values.length; k++) {
                    column[k] = values[k][i];
                }
                Arrays.sort(column);
                combined[i] = (float) statistic.applyAsDouble(column);
            }
            out.add(new NamedTensor(reference.name(), reference.shape().clone(), combined));
        }
        return new ModelParameters(out);
    }

    /** Squared L2 distance between two models over all tensors. */
    static double squaredDistance(ModelParameters a, ModelParameters b) {
        double sum = 0;
        for (NamedTensor t : a.tensors()) {
            float[] x = t.values();
            float[] y = b.get(t.name()).values();
            for (int i = 0; i < x.length; i++) {
                double d = (double) x[i] - y[i];
                sum += d * d;
            }
        }
        return sum;
    }
}
