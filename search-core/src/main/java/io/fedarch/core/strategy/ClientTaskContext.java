package io.fedarch.core.strategy;

import java.util.Map;

import io.fedarch.core.data.ClientShard;
import io.fedarch.core.tensor.ModelParameters;
import io.fedarch.events.JobSpec;

/**
 * Everything a client procedure gets for one task: the job, the round, its instruction (config and
 * payload), the global model and the client's data.
 *
 * @param payload the strategy's per-client tensors ({@link ClientInstruction#payload()}); null when it sends none
 */
public record ClientTaskContext(JobSpec spec, int round, Map<String, String> roundConfig, ModelParameters payload,
                                ModelParameters globalModel, ClientShard shard) {

    /** A task without a payload. */
    public ClientTaskContext(JobSpec spec, int round, Map<String, String> roundConfig, ModelParameters globalModel,
                             ClientShard shard) {
        this(spec, round, roundConfig, null, globalModel, shard);
    }
}
