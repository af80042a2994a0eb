package io.fedarch.core.strategy.robust;

import java.util.List;

import io.fedarch.core.strategy.ClientResult;
import io.fedarch.core.tensor.ModelParameters;

/**
 * Per coordinate, the median of the clients' values (Yin et al., 2018): unweighted, so a client's
 * sample count cannot buy influence. With an even count, the mean of the two middle values.
 */
public final class CoordinateMedian implements RobustAggregator {
    @Override
    public ModelParameters aggregate(ModelParameters global, List<ClientResult> results) {
        return Coordinates.map(global, results, sorted -> {
            int n = sorted.length;
            return n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
        });
    }
}
