package io.fedarch.core.strategy;

import java.util.Map;
import java.util.function.Supplier;

import io.fedarch.core.data.ClientShard;
import io.fedarch.core.data.ImageDataset;
import io.fedarch.core.tensor.ModelParameters;
import io.fedarch.events.JobSpec;

/**
 * Everything a client procedure gets for one task: the job, the round, its instruction (config and
 * payload), the global model and the client's data.
 *
 * @param payload   the strategy's per-client tensors ({@link ClientInstruction#payload()}); null when it sends none
 * @param localTest the client's local test split, loaded on demand (it never leaves the client); null where
 *                  the caller has none
 */
public record ClientTaskContext(JobSpec spec, int round, Map<String, String> roundConfig, ModelParameters payload,
                                ModelParameters globalModel, ClientShard shard, Supplier<ImageDataset> localTest) {

    /** A task without access to the local test split. */
    public ClientTaskContext(JobSpec spec, int round, Map<String, String> roundConfig, ModelParameters payload,
                             ModelParameters globalModel, ClientShard shard) {
        this(spec, round, roundConfig, payload, globalModel, shard, null);
    }

    /** A task without a payload. */
    public ClientTaskContext(JobSpec spec, int round, Map<String, String> roundConfig, ModelParameters globalModel,
                             ClientShard shard) {
        this(spec, round, roundConfig, null, globalModel, shard);
    }
}
