package io.fedarch.core.strategy;

import java.util.Map;

/**
 * The architecture of one client's personalized model where the strategy, not the global model's
 * family, decides it (PerFedRLNAS: each client's own subnet): what the CLIENT-scoped model-ready
 * event and its files describe.
 *
 * @param json       the architecture in JSON (ModelReady.architecture, architecture.json)
 * @param svg        a picture of it (cells.svg), or null
 * @param parameters the architecture's parameter count (ModelReady.parameterCount)
 * @param macs       its multiply–accumulates per input (ModelReady.macs)
 * @param details    further entries for model.json
 */
public record ClientArchitecture(String json, String svg, long parameters, long macs, Map<String, Object> details) {
    public ClientArchitecture {
        details = Map.copyOf(details);
    }
}
