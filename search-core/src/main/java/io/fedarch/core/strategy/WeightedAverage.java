package io.fedarch.core.strategy;

import java.util.ArrayList;
import java.util.List;

import io.fedarch.core.tensor.ModelParameters;
import io.fedarch.core.tensor.NamedTensor;

/** FedAvg's aggregation rule: the sample-weighted mean Σ n_k·w_k / Σ n_k, tensor by tensor. */
public final class WeightedAverage {
    private WeightedAverage() {
    }

    /**
     * Averages the results' parameters, weighting each by its sample count. Accumulates in double
     * precision so that many clients with large counts do not lose float bits.
     *
     * @param reference the tensor names, order and shapes the result must have (usually the current global model)
     * @throws IllegalArgumentException when there are no results, a sample count is not positive, or shapes differ
     */
    public static ModelParameters of(ModelParameters reference, List<ClientResult> results) {
        double totalSamples = requireUsable(reference, results);
        List<NamedTensor> averaged = new ArrayList<>();
        for (NamedTensor ref : reference.tensors()) {
            double[] sum = new double[ref.size()];
            for (ClientResult r : results) {
                float[] values = r.parameters().get(ref.name()).values();
                double weight = r.sampleCount() / totalSamples;
                for (int i = 0; i < sum.length; i++) {
                    sum[i] += weight * values[i];
                }
            }
            float[] out = new float[sum.length];
            for (int i = 0; i < out.length; i++) {
                out[i] = (float) sum[i];
            }
            averaged.add(new NamedTensor(ref.name(), ref.shape().clone(), out));
        }
        return new ModelParameters(averaged);
    }

    /**
     * Checks that the results can be merged into {@code reference}'s shape; returns their total sample count.
     *
     * @throws IllegalArgumentException when there are no results, a sample count is not positive, or shapes differ
     */
    static double requireUsable(ModelParameters reference, List<ClientResult> results) {
        if (results.isEmpty()) {
            throw new IllegalArgumentException("cannot average zero client results");
        }
        double totalSamples = 0;
        for (ClientResult r : results) {
            if (r.sampleCount() <= 0) {
                throw new IllegalArgumentException("client " + r.clientId() + " reported sampleCount "
                        + r.sampleCount() + "; weights must be positive");
            }
            try {
                reference.requireCompatible(r.parameters());
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("client " + r.clientId() + ": " + e.getMessage(), e);
            }
            totalSamples += r.sampleCount();
        }
        return totalSamples;
    }
}
