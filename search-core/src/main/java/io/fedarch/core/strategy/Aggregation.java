package io.fedarch.core.strategy;

import java.util.List;

import io.fedarch.core.strategy.robust.RobustAggregator;
import io.fedarch.core.strategy.robust.RobustAggregators;
import io.fedarch.core.tensor.ModelParameters;
import io.fedarch.events.JobSpec;

/** How every strategy merges a round: the job's robust rule when it has one, else the sample-weighted mean. */
public final class Aggregation {
    private Aggregation() {
    }

    public static ModelParameters of(JobSpec spec, ModelParameters global, List<ClientResult> results) {
        RobustAggregator robust = RobustAggregators.forSpec(spec);
        if (robust == null) {
            return WeightedAverage.of(global, results);
        }
        WeightedAverage.requireUsable(global, results);
        return robust.aggregate(global, results);
    }
}
