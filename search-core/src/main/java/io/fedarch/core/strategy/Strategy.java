package io.fedarch.core.strategy;

import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.IntStream;

import io.fedarch.core.tensor.ModelParameters;
import io.fedarch.events.JobSpec;

/**
 * A federated algorithm, in the shape of Flower's Strategy: the server half configures each round
 * with one instruction per client and aggregates its results; the client half
 * ({@link #clientProcedure()}) is the local procedure a worker runs. The job's {@code algorithm}
 * field picks the strategy by {@link #name()}.
 *
 * <p>Implementations keep no fields that change: what a strategy must remember across rounds is its
 * {@link ServerState}, which the engine passes in, checkpoints and restores, so any coordinator
 * instance can serve any job. Every method is a deterministic function of its arguments (a round's
 * instructions are recomputed after a coordinator restart).
 */
public interface Strategy {

    /** Optional job hyperParameter: the learning rate of the personalization stage. */
    String PERSONALIZATION_LEARNING_RATE = "personalizationLearningRate";

    /** The value of JobSpec.algorithm that selects this strategy, e.g. "fedavg". */
    String name();

    /** One line for {@code ./fedarch algorithms}: what the algorithm does, and its paper. */
    default String description() {
        return name();
    }

    /**
     * Every knob this strategy reads from the job's {@code hyperParameters}; a job naming any other is
     * refused. By default the personalization stage's learning rate.
     */
    default List<HyperParameter> hyperParameters() {
        return List.of(personalizationLearningRate());
    }

    /** The knob every strategy's personalization stage reads. */
    static HyperParameter personalizationLearningRate() {
        return HyperParameter.positive(PERSONALIZATION_LEARNING_RATE, "the job's learningRate",
                "learning rate of the personalization stage (personalizationEpochs > 0)");
    }

    /**
     * Checks a job before it starts.
     *
     * @throws IllegalArgumentException with a message a user can act on
     */
    void validate(JobSpec spec);

    /** The global model of version 0, built deterministically from the job's seed. */
    ModelParameters initialize(JobSpec spec);

    /** The server state round 1 starts with; none by default. */
    default ServerState initialState(JobSpec spec) {
        return ServerState.EMPTY;
    }

    /**
     * The clients that may be asked to train (selection, round retries, asynchronous tasks): all of
     * them by default. The others only take part in the personalization stage (Meta-DNAS's held-out
     * clients, the "new clients" it adapts to).
     */
    default List<Integer> trainingClients(JobSpec spec) {
        return IntStream.range(0, spec.getTotalClients()).boxed().toList();
    }

    /** Which clients take part in {@code round} (1-based): by default FedAvg's seeded draw of clientsPerRound. */
    default List<Integer> selectClients(JobSpec spec, int round) {
        return ClientSelection.seeded(spec.getTotalClients(), spec.getClientsPerRound(), spec.getSeed(), round);
    }

    /**
     * What {@code clientId} is asked to do in {@code round}: for every selected client, and for each
     * replacement client a round retry chooses.
     */
    ClientInstruction instruct(JobSpec spec, int round, int clientId, ModelParameters global, ServerState state);

    /** The round's clients and their instructions. */
    default RoundPlan configureRound(JobSpec spec, int round, ModelParameters global, ServerState state) {
        return new RoundPlan(selectClients(spec, round).stream()
                .map(client -> instruct(spec, round, client, global, state)).toList());
    }

    /**
     * Merges the round's client results into the next global model and server state.
     *
     * @param results at least one; each already checked for shape compatibility and finite values,
     *                with the instruction its client got and everything it reported
     */
    Aggregated aggregate(JobSpec spec, int round, ModelParameters global, ServerState state, List<ClientResult> results);

    /**
     * Whether this job's rounds fold each result into running sums as it arrives
     * ({@link #foldingAggregator}), so the coordinator holds O(model) per round; false (the default)
     * when {@link #aggregate} needs every result at once (robust rules, per-client state), which the
     * coordinator then buffers, and which its memory budget bounds at submission
     * ({@code clientsPerRound} × the model).
     */
    default boolean foldsUpdates(JobSpec spec) {
        return false;
    }

    /**
     * The aggregation of {@code round} as a fold over its results, for a job where
     * {@link #foldsUpdates} is true: it must give what {@link #aggregate} gives on the same results,
     * up to floating-point rounding, in any arrival order.
     *
     * @throws UnsupportedOperationException when the job does not fold its updates
     */
    default RoundAggregator foldingAggregator(JobSpec spec, int round, ModelParameters global, ServerState state) {
        throw new UnsupportedOperationException(name() + " aggregates every result of a round at once");
    }

    /**
     * The personalization stage after the last round (when {@code personalizationEpochs > 0}):
     * every client adapts the final global model locally. The learning rate is the job's, or
     * hyperParameter {@value #PERSONALIZATION_LEARNING_RATE}.
     */
    default RoundPlan configurePersonalization(JobSpec spec, ModelParameters global, ServerState state) {
        double learningRate = HyperParameters.number(spec, PERSONALIZATION_LEARNING_RATE, spec.getLearningRate());
        return RoundPlan.uniform(IntStream.range(0, spec.getTotalClients()).boxed().toList(),
                Map.of(RoundPlan.STAGE, RoundPlan.PERSONALIZE, ClientInstruction.LEARNING_RATE, Double.toString(learningRate)));
    }

    /**
     * Whether jobs of this strategy may compress model state on the wire (JobSpec.compression):
     * then every client model it aggregates is the coordinator's exact model plus a lossy, error-fed
     * difference, and every client trains from a lossy copy of the global model. False by default
     * (such a job is refused with the reason): a strategy that reads which entries a client changed,
     * or whose clients send something other than a trained copy of the model, would misbehave silently.
     */
    default boolean acceptsCompressedUpdates() {
        return false;
    }

    /** A step between rounds that changes the server state (run by the pruning service), if the strategy has one. */
    default Optional<BetweenRounds> betweenRounds() {
        return Optional.empty();
    }

    /**
     * What the finished search becomes (the pruning service delivers it): by default the final model
     * as trained.
     *
     * @param finalModel the last global model
     * @param state      the final server state
     * @throws IllegalArgumentException when the final model or state does not fit the job
     */
    default SearchResult afterSearch(JobSpec spec, ModelParameters finalModel, ServerState state) {
        return new SearchResult.AsTrained();
    }

    /**
     * The architecture of a client's personalized model, when the strategy gives each client its own
     * (the pruning service describes it in the client's model-ready event); empty by default, and the
     * model is described by its family.
     *
     * @param reported the metrics the client reported with its personalized model ({@code ClientMetrics.custom})
     * @throws IllegalArgumentException when the report does not describe an architecture of this job
     */
    default Optional<ClientArchitecture> clientArchitecture(JobSpec spec, int clientId, Map<String, Double> reported) {
        return Optional.empty();
    }

    /** The local procedure this strategy's clients run. */
    ClientProcedure clientProcedure();
}
