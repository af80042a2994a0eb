package io.fedarch.core.strategy;

import io.fedarch.core.tensor.ModelParameters;

/** What a round's aggregation produced: the next global model and the strategy's next server state. */
public record Aggregated(ModelParameters global, ServerState state) {
}
