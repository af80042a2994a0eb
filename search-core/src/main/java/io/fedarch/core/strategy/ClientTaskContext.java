package io.fedarch.core.strategy;

import java.util.Map;

import io.fedarch.core.darts.OperationMask;
import io.fedarch.core.data.ClientShard;
import io.fedarch.core.tensor.ModelParameters;
import io.fedarch.events.JobSpec;

/**
 * Everything a client procedure gets for one task: the job, the round, the global state and the client's data.
 *
 * @param mask the round's search space for soft-pruning strategies ({@link PrunesBetweenRounds}); null = all of it
 */
public record ClientTaskContext(JobSpec spec, int round, Map<String, String> roundConfig,
                                ModelParameters globalModel, ClientShard shard, OperationMask mask) {

    public ClientTaskContext(JobSpec spec, int round, Map<String, String> roundConfig, ModelParameters globalModel,
                             ClientShard shard) {
        this(spec, round, roundConfig, globalModel, shard, null);
    }
}
