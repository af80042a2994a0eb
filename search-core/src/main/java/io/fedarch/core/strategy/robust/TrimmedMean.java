package io.fedarch.core.strategy.robust;

import java.util.List;

import io.fedarch.core.strategy.ClientResult;
import io.fedarch.core.tensor.ModelParameters;

/**
 * Per coordinate, the mean after cutting the {@code floor(trimFraction · n)} largest and as many
 * smallest values (Yin et al., 2018); unweighted. A fraction that would cut every value of a small
 * round keeps at least the middle one.
 */
public final class TrimmedMean implements RobustAggregator {
    private final double trimFraction;

    public TrimmedMean(double trimFraction) {
        if (!(trimFraction >= 0 && trimFraction < 0.5)) {
            throw new IllegalArgumentException("robustAggregation.trimFraction is " + trimFraction
                    + "; it must be in [0, 0.5) (the share cut at each end of every coordinate)");
        }
        this.trimFraction = trimFraction;
    }

    /** How many values are cut at each end when {@code n} clients report. */
    int trimmed(int n) {
        return Math.min((int) Math.floor(trimFraction * n), (n - 1) / 2);
    }

    @Override
    public ModelParameters aggregate(ModelParameters global, List<ClientResult> results) {
        int cut = trimmed(results.size());
        return Coordinates.map(global, results, sorted -> {
            double sum = 0;
            for (int i = cut; i < sorted.length - cut; i++) {
                sum += sorted[i];
            }
            return sum / (sorted.length - 2 * cut);
        });
    }
}
