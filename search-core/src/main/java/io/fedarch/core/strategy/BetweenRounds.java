package io.fedarch.core.strategy;

import io.fedarch.core.tensor.ModelParameters;
import io.fedarch.events.JobSpec;

/**
 * A step between synchronous rounds that changes the strategy's server state from the aggregated
 * model (FedMetaNAS: soft pruning of the search space). The pruning service runs it after every
 * round and publishes the new state; the engine waits for it before the next round (and goes on
 * with the current state after {@code fedarch.coordinator.mask-wait}).
 */
public interface BetweenRounds {

    /**
     * @param round the round that produced {@code global}
     * @param state the state that round ran with
     * @return the state round + 1 runs with
     */
    ServerState next(JobSpec spec, int round, ModelParameters global, ServerState state);

    /**
     * Checks a state that arrives from the service running this step before it is applied.
     *
     * @throws IllegalArgumentException when it does not fit the job
     */
    void check(JobSpec spec, ServerState state);
}
