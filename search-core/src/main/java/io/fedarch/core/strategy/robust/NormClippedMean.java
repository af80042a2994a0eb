package io.fedarch.core.strategy.robust;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import io.fedarch.core.strategy.ClientResult;
import io.fedarch.core.tensor.ModelParameters;
import io.fedarch.core.tensor.NamedTensor;

/**
 * The sample-weighted mean of the clients' deltas (local − global), each first scaled down to an
 * L2 norm of at most {@code clipNorm} over the whole model (as in Sun et al., 2019, "Can you really
 * backdoor FL?"). {@code clipNorm} 0 clips to the median delta norm of the round, which needs no
 * tuning and bounds a scaled-up update by what a typical client sends.
 */
public final class NormClippedMean implements RobustAggregator {
    private final double clipNorm;

    public NormClippedMean(double clipNorm) {
        if (!(clipNorm >= 0) || Double.isInfinite(clipNorm)) {
            throw new IllegalArgumentException("robustAggregation.clipNorm is " + clipNorm
                    + "; it must be a finite number >= 0 (0 = the median update norm of the round)");
        }
        this.clipNorm = clipNorm;
    }

    @Override
    public ModelParameters aggregate(ModelParameters global, List<ClientResult> results) {
        double[] norms = new double[results.size()];
        for (int k = 0; k < norms.length; k++) {
            norms[k] = Math.sqrt(Coordinates.squaredDistance(results.get(k).parameters(), global));
        }
        double bound = clipNorm > 0 ? clipNorm : median(norms);
        double totalSamples = results.stream().mapToDouble(ClientResult::sampleCount).sum();
        List<NamedTensor> out = new ArrayList<>();
        for (NamedTensor reference : global.tensors()) {
            float[] base = reference.values();
            double[] sum = new double[base.length];
            for (int k = 0; k < norms.length; k++) {
                double scale = norms[k] > bound && norms[k] > 0 ? bound / norms[k] : 1.0;
                double weight = results.get(k).sampleCount() / totalSamples * scale;
                float[] local = results.get(k).parameters().get(reference.name()).values();
                for (int i = 0; i < sum.length; i++) {
                    sum[i] += weight * ((double) local[i] - base[i]);
                }
            }
            float[] next = new float[base.length];
            for (int i = 0; i < next.length; i++) {
                next[i] = (float) (base[i] + sum[i]);
            }
            out.add(new NamedTensor(reference.name(), reference.shape().clone(), next));
        }
        return new ModelParameters(out);
    }

    private static double median(double[] values) {
        double[] sorted = values.clone();
        Arrays.sort(sorted);
        int n = sorted.length;
        return n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
    }
}
