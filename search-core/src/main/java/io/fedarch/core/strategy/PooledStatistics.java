package io.fedarch.core.strategy;

import java.util.ArrayList;
import java.util.List;

import io.fedarch.core.tensor.ModelParameters;
import io.fedarch.core.tensor.NamedTensor;

/**
 * BN running statistics of a federation, pooled as if one party had measured them on every
 * client's data: the mean is the sample-weighted mean of the clients' means, and the variance is
 * Σ wᵢ(σᵢ² + μᵢ²) − μ², the weighted mean of the variances plus the spread of the clients' means.
 * Averaging the variances alone (what a weighted mean of every tensor does) drops that spread;
 * under non-IID data, where each client's features sit elsewhere, the averaged statistics then fit
 * no client and a BN network predicts little better than chance in inference mode.
 */
public final class PooledStatistics {
    static final String MEAN = "running_mean";
    static final String VARIANCE = "running_var";

    private PooledStatistics() {
    }

    /** The running-mean tensor that goes with a BN running variance named {@code name}; null for any other tensor. */
    static String meanOf(String name) {
        return name.endsWith(VARIANCE) ? name.substring(0, name.length() - VARIANCE.length()) + MEAN : null;
    }

    /**
     * {@code averaged} (the weighted mean of the results) with every BN running variance replaced by
     * the pooled variance of the results; everything else as it is.
     */
    public static ModelParameters pool(ModelParameters averaged, List<ClientResult> results) {
        double total = results.stream().mapToDouble(ClientResult::sampleCount).sum();
        List<NamedTensor> out = new ArrayList<>();
        for (NamedTensor tensor : averaged.tensors()) {
            String meanName = meanOf(tensor.name());
            if (meanName == null || !averaged.contains(meanName) || total <= 0) {
                out.add(tensor);
                continue;
            }
            float[] mean = averaged.get(meanName).values();
            double[] second = new double[tensor.size()];
            for (ClientResult result : results) {
                double w = result.sampleCount() / total;
                float[] m = result.parameters().get(meanName).values();
                float[] v = result.parameters().get(tensor.name()).values();
                for (int i = 0; i < second.length; i++) {
                    second[i] += w * (v[i] + (double) m[i] * m[i]);
                }
            }
            float[] pooled = new float[second.length];
            for (int i = 0; i < pooled.length; i++) {
                pooled[i] = (float) Math.max(0, second[i] - (double) mean[i] * mean[i]);
            }
            out.add(new NamedTensor(tensor.name(), tensor.shape(), pooled));
        }
        return new ModelParameters(out);
    }
}
