package io.fedarch.core.algorithms.fedavg;

import io.fedarch.core.strategy.SimulatedAttacks;
import io.fedarch.core.strategy.Strategy;
import io.fedarch.core.strategy.FoldedMean;
import io.fedarch.core.strategy.RoundAggregator;
import io.fedarch.core.strategy.HeldOutClients;
import io.fedarch.core.strategy.HyperParameter;
import io.fedarch.core.strategy.HyperParameters;
import io.fedarch.core.strategy.PooledStatistics;
import io.fedarch.core.strategy.Aggregation;
import io.fedarch.core.strategy.ServerState;
import io.fedarch.core.strategy.ClientProcedure;
import io.fedarch.core.strategy.Aggregated;
import io.fedarch.core.strategy.ClientInstruction;
import io.fedarch.core.strategy.ClientResult;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import io.fedarch.core.model.ModelFactory;
import io.fedarch.core.model.ModelInitializer;
import io.fedarch.core.strategy.robust.RobustAggregators;
import io.fedarch.core.tensor.ModelParameters;
import io.fedarch.events.JobSpec;

/**
 * Federated Averaging (McMahan et al., AISTATS 2017): each round a random subset of clients
 * trains the global model locally with SGD, and the server replaces it by the sample-weighted
 * mean of their models. With {@value HeldOutClients#KNOB} the last clients never train and only
 * fine-tune the final model in the personalization stage: how well it serves new clients.
 * <p>
 * With {@value #STATISTICS_PASS} = 1, round 1 is a federated statistics pass: each selected client
 * recalibrates the received model's BN running statistics on its training split (forward passes
 * only, {@link io.fedarch.core.train.BatchNormRecalibration}) and the server averages them like
 * any tensor (the weights come back unchanged). A network that inherited weights from a DARTS
 * supernet starts from the mixture's statistics, not its own; the fine-tuning job of a derived
 * network runs this pass first. With {@value #FINAL_STATISTICS_PASS} = 1 the last round is such a
 * pass over the trained model, so the delivered model's statistics are measured on the final weights.
 * A pass's variances are pooled ({@link PooledStatistics}): averaging the clients' variances alone
 * drops the spread of their means, which under non-IID data leaves statistics that fit no client.
 */
public final class FedAvg implements Strategy {
    public static final String NAME = "fedavg";
    /** Round config key carrying the clients' learning rate. */
    /** Round config key of a client's learning rate (every strategy's clients read it). */
    public static final String LEARNING_RATE = ClientInstruction.LEARNING_RATE;
    /** Knob: 1 = round 1 is a federated BN statistics pass (no gradient), 0 = none. */
    public static final String STATISTICS_PASS = "statisticsPass";
    /** Knob: 1 = the last round is a federated BN statistics pass of the trained model, 0 = none. */
    public static final String FINAL_STATISTICS_PASS = "finalStatisticsPass";
    /** Round-config key: "true" when the client only re-measures BN statistics this round. */
    public static final String STATISTICS_ONLY = "statisticsOnly";

    private final FedAvgClient client = new FedAvgClient();

    /** Its clients send trained copies of the model, and it averages them (or pools BN statistics) entry by entry. */
    @Override
    public boolean acceptsCompressedUpdates() {
        return true;
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public String description() {
        return "FedAvg (McMahan et al., 2017): local SGD, sample-weighted mean of the clients' models";
    }

    /** The personalization stage's learning rate, and held-out clients (never trained; adapted at the end). */
    @Override
    public List<HyperParameter> hyperParameters() {
        return List.of(Strategy.personalizationLearningRate(), HeldOutClients.knob(),
                HyperParameter.wholeNumber(STATISTICS_PASS, "0", 0,
                        "1 = round 1 only recalibrates the BN statistics on the clients' data (no gradient), then pools them"),
                HyperParameter.wholeNumber(FINAL_STATISTICS_PASS, "0", 0,
                        "1 = the last round only recalibrates the trained model's BN statistics on the clients' data, then pools them"));
    }

    /** All clients but the held-out ones. */
    @Override
    public List<Integer> trainingClients(JobSpec spec) {
        return HeldOutClients.trainingClients(spec);
    }

    /** The seeded draw of clientsPerRound among the training clients (exactly the default draw without held-out ones). */
    @Override
    public List<Integer> selectClients(JobSpec spec, int round) {
        return HeldOutClients.select(spec, round);
    }

    @Override
    public void validate(JobSpec spec) {
        List<String> problems = problems(spec);
        problems.addAll(HeldOutClients.problems(spec));
        try {
            double first = HyperParameters.number(spec, STATISTICS_PASS, 0);
            double last = HyperParameters.number(spec, FINAL_STATISTICS_PASS, 0);
            if (first != 0 && first != 1) {
                problems.add("statisticsPass must be 0 or 1 (got " + first + ")");
            }
            if (last != 0 && last != 1) {
                problems.add("finalStatisticsPass must be 0 or 1 (got " + last + ")");
            }
            int passes = (first == 1 ? 1 : 0) + (last == 1 ? 1 : 0);
            if (passes > 0 && spec.getRounds() < passes + 1) {
                problems.add("statistics passes take " + passes + " of the rounds and leave none to train: rounds must be >= "
                        + (passes + 1) + " (got " + spec.getRounds() + ")");
            }
        } catch (IllegalArgumentException e) {
            problems.add(e.getMessage());
        }
        if (!problems.isEmpty()) {
            throw new IllegalArgumentException("invalid fedavg job: " + String.join("; ", problems));
        }
    }

    /**
     * What is wrong with a job as every algorithm on FedAvg's rounds sees it (clients, rounds, optimiser,
     * model, robust aggregation, simulated attacks), one entry per problem; empty when nothing is.
     */
    public List<String> problems(JobSpec spec) {
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
        return problems;
    }

    @Override
    public ModelParameters initialize(JobSpec spec) {
        return ModelInitializer.initialize(spec.getModel(), spec.getSeed());
    }

    /** Every client trains with the job's learning rate (or, in a statistics pass, only re-measures BN statistics). */
    @Override
    public ClientInstruction instruct(JobSpec spec, int round, int clientId, ModelParameters global, ServerState state) {
        boolean statisticsOnly = statisticsOnly(spec, round);
        String rate = Double.toString(spec.getLearningRate());
        return ClientInstruction.of(clientId, statisticsOnly
                ? Map.of(LEARNING_RATE, rate, STATISTICS_ONLY, "true") : Map.of(LEARNING_RATE, rate));
    }

    /** Whether {@code round} is a statistics pass (the first with statisticsPass, the last with finalStatisticsPass). */
    static boolean statisticsOnly(JobSpec spec, int round) {
        return (round == 1 && HyperParameters.number(spec, STATISTICS_PASS, 0) == 1)
                || (round == spec.getRounds() && HyperParameters.number(spec, FINAL_STATISTICS_PASS, 0) == 1);
    }

    /** The sample-weighted mean (or the robust rule); after a statistics pass, the BN variances pooled. */
    @Override
    public Aggregated aggregate(JobSpec spec, int round, ModelParameters global, ServerState state,
                                List<ClientResult> results) {
        ModelParameters merged = Aggregation.of(spec, global, results);
        return new Aggregated(statisticsOnly(spec, round) ? PooledStatistics.pool(merged, results) : merged, state);
    }

    /** The weighted mean folds as updates arrive; a robust rule needs them all. */
    @Override
    public boolean foldsUpdates(JobSpec spec) {
        return RobustAggregators.forSpec(spec) == null;
    }

    @Override
    public RoundAggregator foldingAggregator(JobSpec spec, int round, ModelParameters global, ServerState state) {
        return new FoldedMean(global, statisticsOnly(spec, round), mean -> new Aggregated(mean, state));
    }

    @Override
    public ClientProcedure clientProcedure() {
        return client;
    }
}
