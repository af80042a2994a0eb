package io.fedarch.core.strategy;

import java.util.Map;

import io.fedarch.core.darts.OperationMask;
import io.fedarch.events.ModelSpec;

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
 * @param model      the network the personalized weights fit when it is not the job's model (Meta-DNAS:
 *                   the client's derived network), or null: then the weights are the job's model's
 * @param mask       the operation mask the job's DARTS supernet evaluates the architecture with (PerFedRLNAS:
 *                   the path's one-hot mask), or null: the model computes as its family does by default
 */
public record ClientArchitecture(String json, String svg, long parameters, long macs, Map<String, Object> details,
                                 ModelSpec model, OperationMask mask) {
    public ClientArchitecture {
        details = Map.copyOf(details);
    }

    /** An architecture that is a network of its own ({@code model}), or the job's model as it is. */
    public ClientArchitecture(String json, String svg, long parameters, long macs, Map<String, Object> details,
                              ModelSpec model) {
        this(json, svg, parameters, macs, details, model, null);
    }

    /** An architecture whose weights are the job's model's (a path inside the supernet). */
    public ClientArchitecture(String json, String svg, long parameters, long macs, Map<String, Object> details) {
        this(json, svg, parameters, macs, details, null);
    }
}
