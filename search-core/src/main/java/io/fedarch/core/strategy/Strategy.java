package io.fedarch.core.strategy;

import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;

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

    /**
     * The personalization stage after the last round (when {@code personalizationEpochs > 0}):
     * every client adapts the final global model locally. The learning rate is the job's, or
     * hyperParameter {@value #PERSONALIZATION_LEARNING_RATE}.
     */
    default RoundPlan configurePersonalization(JobSpec spec, ModelParameters global) {
        String rate = spec.getHyperParameters() == null ? null
                : spec.getHyperParameters().get(PERSONALIZATION_LEARNING_RATE);
        double learningRate = spec.getLearningRate();
        if (rate != null && !rate.isBlank()) {
            try {
                learningRate = Double.parseDouble(rate.trim());
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("hyperParameter " + PERSONALIZATION_LEARNING_RATE + "='" + rate
                        + "' is not a number", e);
            }
        }
        return new RoundPlan(IntStream.range(0, spec.getTotalClients()).boxed().toList(),
                Map.of(RoundPlan.STAGE, RoundPlan.PERSONALIZE, FedAvg.LEARNING_RATE, Double.toString(learningRate)));
    }

    /** Optional job hyperParameter: the learning rate of the personalization stage. */
    String PERSONALIZATION_LEARNING_RATE = "personalizationLearningRate";

    /** The local procedure this strategy's clients run. */
    ClientProcedure clientProcedure();
}
