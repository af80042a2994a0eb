package io.fedarch.core.strategy;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;

import io.fedarch.core.tensor.ModelParameters;
import io.fedarch.core.tensor.NamedTensor;

/**
 * The sample-weighted mean Σ nₖ·wₖ / Σ nₖ ({@link WeightedAverage}) folded as results arrive, with
 * optionally the BN variances pooled as {@link PooledStatistics} pools them (Σ nₖ(σₖ² + μₖ²) is
 * folded beside the mean, for the variance tensors only), then handed to the strategy's own step
 * ({@code then}: FedAvg keeps the mean, Meta-DNAS takes its Adam step towards it).
 */
public final class FoldedMean implements RoundAggregator {
    private final RunningWeightedSum mean;
    private final Function<ModelParameters, Aggregated> then;
    /** Per BN variance tensor (index in the reference): Σ nₖ(σₖ² + μₖ²); null unless pooling. */
    private final double[][] secondMoments;
    private final String[] meanNames;

    /**
     * @param reference       the global model (names, order and shapes of every result)
     * @param poolStatistics  whether BN running variances are pooled rather than averaged
     * @param then            the strategy's step from the mean to the round's result
     */
    public FoldedMean(ModelParameters reference, boolean poolStatistics, Function<ModelParameters, Aggregated> then) {
        this.mean = new RunningWeightedSum(reference);
        this.then = then;
        List<NamedTensor> tensors = reference.tensors();
        this.meanNames = new String[tensors.size()];
        boolean any = false;
        for (int t = 0; t < tensors.size(); t++) {
            String meanName = PooledStatistics.meanOf(tensors.get(t).name());
            if (poolStatistics && meanName != null && reference.contains(meanName)) {
                meanNames[t] = meanName;
                any = true;
            }
        }
        this.secondMoments = any ? new double[tensors.size()][] : null;
    }

    @Override
    public void add(ClientResult result) {
        if (result.sampleCount() <= 0) {
            throw new IllegalArgumentException("client " + result.clientId() + " reported sampleCount "
                    + result.sampleCount() + "; weights must be positive");
        }
        try {
            mean.add(result.parameters(), result.sampleCount());
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("client " + result.clientId() + ": " + e.getMessage(), e);
        }
        if (secondMoments != null) {
            List<NamedTensor> tensors = mean.reference().tensors();
            double n = result.sampleCount();
            for (int t = 0; t < meanNames.length; t++) {
                if (meanNames[t] == null) {
                    continue;
                }
                float[] m = result.parameters().get(meanNames[t]).values();
                float[] v = result.parameters().get(tensors.get(t).name()).values();
                double[] second = secondMoments[t] == null ? secondMoments[t] = new double[v.length] : secondMoments[t];
                for (int i = 0; i < second.length; i++) {
                    second[i] += n * (v[i] + (double) m[i] * m[i]);
                }
            }
        }
    }

    @Override
    public Aggregated finish() {
        ModelParameters averaged = mean.mean();
        if (secondMoments == null) {
            return then.apply(averaged);
        }
        List<NamedTensor> out = new ArrayList<>();
        List<NamedTensor> tensors = averaged.tensors();
        for (int t = 0; t < tensors.size(); t++) {
            NamedTensor tensor = tensors.get(t);
            if (meanNames[t] == null) {
                out.add(tensor);
                continue;
            }
            float[] m = averaged.get(meanNames[t]).values();
            double[] second = secondMoments[t];
            float[] pooled = new float[second.length];
            for (int i = 0; i < pooled.length; i++) {
                pooled[i] = (float) Math.max(0, second[i] / mean.totalWeight() - (double) m[i] * m[i]);
            }
            out.add(new NamedTensor(tensor.name(), tensor.shape(), pooled));
        }
        return then.apply(new ModelParameters(out));
    }

    @Override
    public long retainedBytes() {
        long bytes = mean.retainedBytes();
        if (secondMoments != null) {
            for (double[] second : secondMoments) {
                bytes += second == null ? 0 : 8L * second.length;
            }
        }
        return bytes;
    }
}
