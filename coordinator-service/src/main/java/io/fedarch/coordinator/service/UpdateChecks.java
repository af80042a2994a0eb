package io.fedarch.coordinator.service;

import io.fedarch.core.tensor.ModelParameters;
import io.fedarch.core.tensor.TensorCodec;
import io.fedarch.events.ModelState;

/** The checks every client model goes through before it is counted, synchronous or not: it fits the job's model and is finite. */
final class UpdateChecks {
    private UpdateChecks() {
    }

    static ModelParameters decode(ModelState state, JobRun run, int clientId) {
        ModelParameters parameters;
        try {
            parameters = TensorCodec.fromAvro(state);
            run.global.requireCompatible(parameters);
        } catch (IllegalArgumentException e) {
            throw new EventRejectedException("update of client " + clientId + " does not fit the model of job "
                    + run.jobId + ": " + e.getMessage(), e);
        }
        String nonFinite = parameters.firstNonFinite();
        if (nonFinite != null) {
            throw new EventRejectedException("update of client " + clientId + " has NaN or infinite values in '"
                    + nonFinite + "'");
        }
        return parameters;
    }
}
