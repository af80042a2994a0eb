package io.fedarch.core.strategy;

import io.fedarch.core.tensor.ModelParameters;

/**
 * One buffered asynchronous update: the client's locally trained model, the global model version
 * its task started from (its base), and how many server versions passed since (its staleness).
 */
public record StaleUpdate(int clientId, ModelParameters local, ModelParameters base, int staleness) {
    public StaleUpdate {
        if (staleness < 0) {
            throw new IllegalArgumentException("client " + clientId + ": staleness " + staleness + " is negative");
        }
    }
}
