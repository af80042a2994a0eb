package io.fedarch.core.strategy;

import java.util.Map;

import io.fedarch.core.data.ClientShard;
import io.fedarch.core.tensor.ModelParameters;
import io.fedarch.events.JobSpec;

/** Everything a client procedure gets for one task: the job, the round, the global state and the client's data. */
public record ClientTaskContext(JobSpec spec, int round, Map<String, String> roundConfig,
                                ModelParameters globalModel, ClientShard shard) {
}
