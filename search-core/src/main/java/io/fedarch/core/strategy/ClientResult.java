package io.fedarch.core.strategy;

import io.fedarch.core.tensor.ModelParameters;
import io.fedarch.events.ClientMetrics;

/**
 * One client's contribution to a round as the server sees it: what it was asked ({@code instruction}),
 * how many samples stand behind it, its model and everything it reported.
 *
 * @param metrics null where no client reported any (hand-made results in tests)
 */
public record ClientResult(ClientInstruction instruction, long sampleCount, ModelParameters parameters,
                           ClientMetrics metrics) {

    public int clientId() {
        return instruction.clientId();
    }

    /** A result with an empty instruction and no metrics: for arithmetic that needs only models and weights. */
    public static ClientResult of(int clientId, long sampleCount, ModelParameters parameters) {
        return new ClientResult(ClientInstruction.of(clientId, java.util.Map.of()), sampleCount, parameters, null);
    }
}
