package io.fedarch.core.federation;

import io.fedarch.core.tensor.ModelParameters;

/**
 * The check every aggregation's output passes before it becomes the global model. Updates are
 * checked for finite values on arrival, but the server step itself can overflow (a server learning
 * rate of 1e30, extreme stale deltas): a NaN model published once makes every later update NaN and
 * refused, so the job is failed with the reason at the step that produced it.
 */
final class FiniteAggregate {
    private FiniteAggregate() {
    }

    /** Why {@code model} may not become the global model, or null when all its values are finite. */
    static String problem(ModelParameters model) {
        String tensor = model.firstNonFinite();
        return tensor == null ? null : "the aggregated global model has NaN or infinite values in '" + tensor + "'";
    }
}
