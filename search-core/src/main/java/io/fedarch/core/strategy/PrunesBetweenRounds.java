package io.fedarch.core.strategy;

import io.fedarch.core.darts.OperationMask;
import io.fedarch.core.darts.SoftPruning;
import io.fedarch.core.tensor.ModelParameters;
import io.fedarch.events.JobSpec;

/**
 * A strategy whose search space shrinks between rounds (FedMetaNAS). After each aggregated round
 * the pruning service computes the next mask with {@link #prune}; the coordinator waits for it
 * and sends it with the next round's tasks ({@link ClientTaskContext#mask()}).
 */
public interface PrunesBetweenRounds {

    /** The space of round 1: everything. */
    OperationMask initialMask(JobSpec spec);

    /**
     * @param round   the round that produced {@code global}
     * @param current the mask that round searched in
     * @return the mask for round + 1 and the threshold used
     */
    SoftPruning.Step prune(JobSpec spec, int round, ModelParameters global, OperationMask current);
}
