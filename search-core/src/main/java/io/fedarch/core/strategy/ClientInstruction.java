package io.fedarch.core.strategy;

import java.util.Map;

import io.fedarch.core.tensor.ModelParameters;

/**
 * What one client is asked to do in a round (after Flower's FitIns): its own config and, where the
 * strategy needs it, its own payload of named tensors (a subnet description, a search mask). It
 * travels in the client's task ({@code ClientTask.roundConfig} and {@code payload}).
 *
 * @param payload null when the strategy sends nothing besides the global model
 */
public record ClientInstruction(int clientId, Map<String, String> config, ModelParameters payload) {
    /** Config key of the client's learning rate, which every built-in client procedure reads. */
    public static final String LEARNING_RATE = "learningRate";

    public ClientInstruction {
        config = Map.copyOf(config);
    }

    public static ClientInstruction of(int clientId, Map<String, String> config) {
        return new ClientInstruction(clientId, config, null);
    }
}
