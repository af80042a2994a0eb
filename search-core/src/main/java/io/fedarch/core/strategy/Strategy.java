package io.fedarch.core.strategy;

import java.util.List;

import io.fedarch.core.tensor.ModelParameters;
import io.fedarch.events.JobSpec;

/**
 * A federated algorithm, in the shape of Flower's Strategy: the server half configures each
 * round and aggregates its results; the client half ({@link #clientProcedure()}) is the local
 * procedure a worker runs. The job's {@code algorithm} field picks the strategy by {@link #name()}.
 * Implementations are stateless: everything a round needs is in its arguments, so any
 * coordinator or worker instance can serve any job.
 */
public interface Strategy {

    /** The value of JobSpec.algorithm that selects this strategy, e.g. "fedavg". */
    String name();

    /**
     * Checks a job before it starts.
     *
     * @throws IllegalArgumentException with a message a user can act on
     */
    void validate(JobSpec spec);

    /** The global model of version 0, built deterministically from the job's seed. */
    ModelParameters initialize(JobSpec spec);

    /** Which clients take part in {@code round} (1-based) and with which per-round instructions. */
    RoundPlan configureRound(JobSpec spec, int round, ModelParameters global);

    /**
     * Merges the round's client results into the next global model.
     *
     * @param results at least one result; each already checked for shape compatibility and finite values
     */
    ModelParameters aggregate(JobSpec spec, int round, ModelParameters global, List<ClientResult> results);

    /** The local procedure this strategy's clients run. */
    ClientProcedure clientProcedure();
}
