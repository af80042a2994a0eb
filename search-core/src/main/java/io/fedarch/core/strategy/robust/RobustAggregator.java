package io.fedarch.core.strategy.robust;

import java.util.List;

import io.fedarch.core.strategy.ClientResult;
import io.fedarch.core.tensor.ModelParameters;

/**
 * A rule that combines a round's client results into the next global model while bounding what a
 * few hostile or broken clients can do to it. Applies to every tensor alike (network weights and
 * architecture parameters). Results are already checked for shape and finite values.
 */
public interface RobustAggregator {
    ModelParameters aggregate(ModelParameters global, List<ClientResult> results);
}
