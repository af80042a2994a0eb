package io.fedarch.core.strategy;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Random;

import io.fedarch.core.model.ModelFactory;
import io.fedarch.core.model.ModelInitializer;
import io.fedarch.core.strategy.robust.RobustAggregators;
import io.fedarch.core.tensor.ModelParameters;
import io.fedarch.core.util.Seeds;
import io.fedarch.events.JobSpec;

/**
 * Federated Averaging (McMahan et al., AISTATS 2017): each round a random subset of clients
 * trains the global model locally with SGD, and the server replaces it by the sample-weighted
 * mean of their models.
 */
public final class FedAvg implements Strategy {
    public static final String NAME = "fedavg";
    /** Round config key carrying the clients' learning rate. */
    public static final String LEARNING_RATE = "learningRate";
    private static final long SELECTION_SALT = 0x53454c45L;

    private final FedAvgClient client = new FedAvgClient();

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public String description() {
        return "FedAvg (McMahan et al., 2017): local SGD, sample-weighted mean of the clients' models";
    }

    @Override
    public void validate(JobSpec spec) {
        List<String> problems = new ArrayList<>();
        if (spec.getTotalClients() < 1) {
            problems.add("totalClients must be >= 1 (got " + spec.getTotalClients() + ")");
        }
        if (spec.getClientsPerRound() < 1 || spec.getClientsPerRound() > spec.getTotalClients()) {
            problems.add("clientsPerRound must be in 1..totalClients (got " + spec.getClientsPerRound()
                    + " of " + spec.getTotalClients() + ")");
        }
        if (spec.getRounds() < 1) {
            problems.add("rounds must be >= 1 (got " + spec.getRounds() + ")");
        }
        if (spec.getLocalEpochs() < 1) {
            problems.add("localEpochs must be >= 1 (got " + spec.getLocalEpochs() + ")");
        }
        if (spec.getBatchSize() < 1) {
            problems.add("batchSize must be >= 1 (got " + spec.getBatchSize() + ")");
        }
        if (!(spec.getLearningRate() > 0) || Double.isInfinite(spec.getLearningRate())) {
            problems.add("learningRate must be positive (got " + spec.getLearningRate() + ")");
        }
        if (!(spec.getMomentum() >= 0 && spec.getMomentum() < 1)) {
            problems.add("momentum must be in [0, 1) (got " + spec.getMomentum() + ")");
        }
        if (!(spec.getWeightDecay() >= 0)) {
            problems.add("weightDecay must be >= 0 (got " + spec.getWeightDecay() + ")");
        }
        if (spec.getQuorum() < 0 || spec.getQuorum() > spec.getClientsPerRound()) {
            problems.add("quorum must be in 0..clientsPerRound (got " + spec.getQuorum() + ")");
        }
        if (spec.getPersonalizationEpochs() < 0) {
            problems.add("personalizationEpochs must be >= 0 (got " + spec.getPersonalizationEpochs() + ")");
        }
        double validation = spec.getData().getPartition().getValidationFraction();
        if (!(validation >= 0 && validation < 1)) {
            problems.add("validationFraction must be in [0, 1) (got " + validation + ")");
        }
        try {
            ModelFactory.validate(spec.getModel());
        } catch (IllegalArgumentException e) {
            problems.add(e.getMessage());
        }
        try {
            RobustAggregators.forSpec(spec);
        } catch (IllegalArgumentException e) {
            problems.add(e.getMessage());
        }
        try {
            SimulatedAttacks.validate(spec);
        } catch (IllegalArgumentException e) {
            problems.add(e.getMessage());
        }
        if (!problems.isEmpty()) {
            throw new IllegalArgumentException("invalid fedavg job: " + String.join("; ", problems));
        }
    }

    @Override
    public ModelParameters initialize(JobSpec spec) {
        return ModelInitializer.initialize(spec.getModel(), spec.getSeed());
    }

    /** Every client trains with the job's learning rate. */
    @Override
    public ClientInstruction instruct(JobSpec spec, int round, int clientId, ModelParameters global, ServerState state) {
        return ClientInstruction.of(clientId, Map.of(LEARNING_RATE, Double.toString(spec.getLearningRate())));
    }

    /** {@code perRound} distinct client ids out of {@code total}, sorted, drawn from a (seed, round)-seeded RNG. */
    static List<Integer> selectClients(int total, int perRound, long seed, int round) {
        List<Integer> all = new ArrayList<>(total);
        for (int k = 0; k < total; k++) {
            all.add(k);
        }
        if (perRound < total) {
            Collections.shuffle(all, new Random(Seeds.derive(seed, SELECTION_SALT, round)));
        }
        List<Integer> chosen = new ArrayList<>(all.subList(0, perRound));
        Collections.sort(chosen);
        return chosen;
    }

    @Override
    public Aggregated aggregate(JobSpec spec, int round, ModelParameters global, ServerState state,
                                List<ClientResult> results) {
        return new Aggregated(Aggregation.of(spec, global, results), state);
    }

    @Override
    public ClientProcedure clientProcedure() {
        return client;
    }
}
