package io.fedarch.cli.plugin;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import io.fedarch.core.data.ImageDataset;
import io.fedarch.core.strategy.Aggregated;
import io.fedarch.core.strategy.Aggregation;
import io.fedarch.core.strategy.ClientInstruction;
import io.fedarch.core.strategy.ClientOutcome;
import io.fedarch.core.strategy.ClientProcedure;
import io.fedarch.core.strategy.ClientResult;
import io.fedarch.core.strategy.ClientTaskContext;
import io.fedarch.core.algorithms.fedavg.FedAvg;
import io.fedarch.core.algorithms.fedavg.FedAvgClient;
import io.fedarch.core.strategy.Personalization;
import io.fedarch.core.strategy.ServerState;
import io.fedarch.core.strategy.Strategy;
import io.fedarch.core.tensor.ModelParameters;
import io.fedarch.core.tensor.NamedTensor;
import io.fedarch.events.JobSpec;

/**
 * A test-only strategy that lives outside the build of every service (it reaches them as a jar on
 * the strategy path) and uses what the contract offers beyond FedAvg:
 * <ul>
 *   <li>per-client instructions: client k trains with learning rate lr·(k + 1)/totalClients, and gets
 *       its own payload, a tensor {@value #SELF} holding how often it took part before;</li>
 *   <li>server state: a tensor {@value #PARTICIPATION} (one count per client) and a value
 *       {@value #ROUNDS}, updated by every aggregation, never sent whole to any client.</li>
 * </ul>
 * Its aggregation refuses (fails the job) when a result's instruction is not the one its client was
 * given, when the full client metrics are missing, or when the client did not see its own payload
 * (each client reports the payload it got back as the custom metric {@value #SEEN}).
 */
public final class PerClientScheduleStrategy implements Strategy {
    public static final String NAME = "test-per-client-schedule";
    public static final String PARTICIPATION = "participation";
    public static final String SELF = "participation.self";
    public static final String ROUNDS = "roundsAggregated";
    public static final String SEEN = "seenParticipation";

    private final FedAvg fedAvg = new FedAvg();
    private final ClientProcedure client = new ReportingClient();

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public void validate(JobSpec spec) {
        fedAvg.validate(spec);
    }

    @Override
    public ModelParameters initialize(JobSpec spec) {
        return fedAvg.initialize(spec);
    }

    @Override
    public ServerState initialState(JobSpec spec) {
        return ServerState.EMPTY
                .withTensors(List.of(new NamedTensor(PARTICIPATION, new int[] {spec.getTotalClients()},
                        new float[spec.getTotalClients()])))
                .withValue(ROUNDS, "0");
    }

    public static double learningRate(JobSpec spec, int clientId) {
        return spec.getLearningRate() * (clientId + 1) / spec.getTotalClients();
    }

    @Override
    public ClientInstruction instruct(JobSpec spec, int round, int clientId, ModelParameters global, ServerState state) {
        float taken = state.tensor(PARTICIPATION).values()[clientId];
        return new ClientInstruction(clientId, Map.of(FedAvg.LEARNING_RATE, Double.toString(learningRate(spec, clientId))),
                new ModelParameters(List.of(new NamedTensor(SELF, new int[] {1}, new float[] {taken}))));
    }

    @Override
    public Aggregated aggregate(JobSpec spec, int round, ModelParameters global, ServerState state,
                                List<ClientResult> results) {
        float[] participation = state.tensor(PARTICIPATION).values().clone();
        List<String> problems = new ArrayList<>();
        for (ClientResult result : results) {
            int k = result.clientId();
            String rate = result.instruction().config().get(FedAvg.LEARNING_RATE);
            if (!Double.toString(learningRate(spec, k)).equals(rate)) {
                problems.add("client " + k + " is recorded with learning rate " + rate);
            }
            if (result.metrics() == null || result.metrics().getSteps() <= 0) {
                problems.add("client " + k + " has no full metrics");
            } else {
                Double seen = result.metrics().getCustom().get(SEEN);
                if (seen == null || seen.floatValue() != participation[k]) {
                    problems.add("client " + k + " saw payload " + seen + ", its count is " + participation[k]);
                }
            }
            participation[k]++;
        }
        if (!problems.isEmpty()) {
            throw new IllegalStateException(String.join("; ", problems));
        }
        ServerState next = state.withTensors(List.of(new NamedTensor(PARTICIPATION,
                        new int[] {participation.length}, participation)))
                .withValue(ROUNDS, Integer.toString(Integer.parseInt(state.values().get(ROUNDS)) + 1));
        return new Aggregated(Aggregation.of(spec, global, results), next);
    }

    @Override
    public ClientProcedure clientProcedure() {
        return client;
    }

    /** FedAvg's local training, reporting back the payload it was given. */
    private static final class ReportingClient implements ClientProcedure {
        private final FedAvgClient fedAvg = new FedAvgClient();

        @Override
        public ClientOutcome run(ClientTaskContext task) {
            ClientOutcome out = fedAvg.run(task);
            Map<String, Double> custom = new HashMap<>(out.custom());
            if (task.payload() != null && task.payload().contains(SELF)) {
                custom.put(SEEN, (double) task.payload().get(SELF).values()[0]);
            }
            return new ClientOutcome(out.parameters(), out.sampleCount(), out.steps(), out.trainLoss(),
                    out.trainAccuracy(), out.validationLoss(), out.validationAccuracy(),
                    out.globalValidationAccuracy(), out.validationSamples(), custom);
        }

        @Override
        public Personalization personalize(ClientTaskContext task, ImageDataset localTest) {
            return fedAvg.personalize(task, localTest);
        }
    }
}
