package io.fedarch.core.algorithms.metadnas;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

import io.fedarch.core.algorithms.fedavg.FedAvg;
import io.fedarch.core.algorithms.fednas.FedNas;
import io.fedarch.core.darts.DartsFamily;
import io.fedarch.core.darts.DartsOptions;
import io.fedarch.core.darts.DerivedArchitecture;
import io.fedarch.core.darts.DerivedOptions;
import io.fedarch.core.darts.Genotype;
import io.fedarch.core.darts.GenotypeMetrics;
import io.fedarch.core.darts.SearchNetwork;
import io.fedarch.core.model.ModelSummary;
import io.fedarch.core.strategy.Aggregated;
import io.fedarch.core.strategy.Aggregation;
import io.fedarch.core.strategy.ClientArchitecture;
import io.fedarch.core.strategy.ClientInstruction;
import io.fedarch.core.strategy.ClientProcedure;
import io.fedarch.core.strategy.ClientResult;
import io.fedarch.core.strategy.DeviceProfiles;
import io.fedarch.core.strategy.HeldOutClients;
import io.fedarch.core.strategy.HyperParameter;
import io.fedarch.core.strategy.HyperParameters;
import io.fedarch.core.strategy.SearchResult;
import io.fedarch.core.strategy.ServerState;
import io.fedarch.core.strategy.Strategy;
import io.fedarch.core.strategy.WeightedAverage;
import io.fedarch.core.strategy.FoldedMean;
import io.fedarch.core.strategy.RoundAggregator;
import io.fedarch.core.strategy.robust.RobustAggregators;
import io.fedarch.core.tensor.ModelParameters;
import io.fedarch.core.tensor.NamedTensor;
import io.fedarch.events.JobSpec;
import io.fedarch.events.ModelSpec;

/**
 * Meta-DNAS ("Meta-Learning with Differentiable Neural Architecture Search for Personalized
 * Federated Learning"): the server meta-learns an initialisation Θ = (w, α) of the DARTS supernet
 * across clients, each client being a task; every client — including clients never seen in
 * training — adapts Θ with a cost-aware local DARTS search and ends with an architecture and
 * weights of its own. The paper publishes no code; every choice is documented in docs/algorithms/metadnas.md.
 * <ul>
 *   <li><b>Round:</b> K of the training clients ({@link #trainingClients}: all but the last
 *       {@value #HELD_OUT_CLIENTS}) adapt Θ_t locally ({@link MetaDnasClient}: MiLeNAS with the
 *       complexity regulariser, α by Adam at archLearningRate — the paper's 0.01).</li>
 *   <li><b>Meta-update</b> ({@link MetaOptimizer}): Reptile by default, g = Σ (n_i/N)(Θ_t − Θ_i′);
 *       or first-order MAML ({@value #META_ALGORITHM}: fomaml), g = Σ (n_i/N) ∇L_query(Θ_i′) sent by
 *       the clients. Adam at {@value #META_LEARNING_RATE} (the paper's 0.001) or plain SGD; the BN
 *       statistics are averaged (FedNAS eq. 5); with {@value #META_LEARN_WEIGHTS} false w is averaged
 *       too and only α is meta-learned. Reptile with SGD at rate 1 is FedNAS exactly; rate 0 keeps
 *       Θ_0 as it is (BN statistics included), so personalization is local-only DARTS.</li>
 *   <li><b>Output:</b> the personalization stage runs on every client: the local search from Θ_R
 *       for personalizationEpochs, the genotype of its own α, the derived network with the weights
 *       it inherits, its BN statistics recalibrated and {@value #DERIVED_FINE_TUNE_EPOCHS} local
 *       epochs of fine-tuning; each is published as a CLIENT model (its genotype, MACs and local
 *       test accuracy). The meta-genotype of α_R is the GLOBAL model (the derived network with
 *       the inherited weights).</li>
 * </ul>
 */
public final class MetaDnas implements Strategy {
    public static final String NAME = "metadnas";
    public static final String META_ALGORITHM = "metaAlgorithm";
    public static final String META_OPTIMIZER = "metaOptimizer";
    public static final String META_LEARNING_RATE = "metaLearningRate";
    public static final String META_LEARN_WEIGHTS = "metaLearnWeights";
    public static final String COMPLEXITY_WEIGHT = "complexityWeight";
    public static final String HELD_OUT_CLIENTS = HeldOutClients.KNOB;
    public static final String DERIVED_FINE_TUNE_EPOCHS = "derivedFineTuneEpochs";
    public static final String REPTILE = "reptile";
    public static final String FOMAML = "fomaml";
    public static final double DEFAULT_META_LEARNING_RATE = 0.001;
    public static final double DEFAULT_COMPLEXITY_WEIGHT = 0.1;
    /**
     * 6, not the spec's 1: every epoch still gained (mean local test accuracy 0.416 / 0.679 / 0.745 /
     * 0.775 after 0 / 1 / 3 / 6 epochs, the relaxed supernet at 0.663; bench/derived-fine-tune.md), and a
     * derived network's epoch costs about a tenth of a search epoch.
     */
    public static final int DEFAULT_DERIVED_FINE_TUNE_EPOCHS = 6;

    /** What a client reports (ClientMetrics.custom) besides its genotype after personalization. */
    public static final String EXPECTED_MACS = "expectedMacs";
    public static final String COMPLEXITY_PENALTY = "complexityPenalty";
    public static final String PARAMETER_FREE_SHARE = "parameterFreeShare";
    public static final String EXPECTED_PARAMETER_FREE_SHARE = "expectedParameterFreeShare";
    public static final String MACS_BUDGET = "macsBudget";
    public static final String HELD_OUT = HeldOutClients.METRIC;
    public static final String SUPERNET_LOCAL_TEST_ACCURACY = "supernetLocalTestAccuracy";
    public static final String QUERY_LOSS = "queryLoss";

    private final FedAvg selection = new FedAvg();
    private final FedNas search = new FedNas();
    private final MetaDnasClient client = new MetaDnasClient();

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public String description() {
        return "Meta-DNAS: server meta-learns the DARTS supernet's (w, alpha) with Reptile or first-order MAML and Adam; "
                + "clients adapt it with cost-regularised local DARTS; one derived, fine-tuned model per client, "
                + "held-out new clients included";
    }

    @Override
    public List<HyperParameter> hyperParameters() {
        List<HyperParameter> knobs = new ArrayList<>(FedNas.searchKnobs());
        knobs.add(HyperParameter.number(FedNas.LAMBDA, Double.toString(FedNas.DEFAULT_LAMBDA), 0,
                Double.POSITIVE_INFINITY, "MiLeNAS: weight of the validation-loss gradient in the alpha step"));
        knobs.add(HyperParameter.choice(META_ALGORITHM, REPTILE, List.of(REPTILE, FOMAML),
                "meta-gradient: reptile (theta - adapted theta) or fomaml (query-set gradient at the adapted theta)"));
        knobs.add(HyperParameter.choice(META_OPTIMIZER, "adam", List.of("adam", "sgd"),
                "the server's optimizer of the meta-gradient (Adam moments are server state)"));
        knobs.add(HyperParameter.number(META_LEARNING_RATE, Double.toString(DEFAULT_META_LEARNING_RATE), 0,
                Double.POSITIVE_INFINITY, "meta learning rate (paper: Adam 0.001; sgd at 1 with reptile = FedNAS; "
                        + "0 = local-only DARTS)"));
        knobs.add(HyperParameter.bool(META_LEARN_WEIGHTS, true,
                "meta-learn w and alpha (true) or alpha only, with w averaged as FedNAS does (false; reptile only)"));
        knobs.add(HyperParameter.number(COMPLEXITY_WEIGHT, Double.toString(DEFAULT_COMPLEXITY_WEIGHT), 0,
                Double.POSITIVE_INFINITY, "lambda_c of the complexity regulariser: expected MACs under softmax(alpha) "
                        + "over the dearest path's, or the hinge over the client's tierMacsBudget"));
        knobs.add(HyperParameter.positiveList(DeviceProfiles.TIER_MACS_BUDGET, "none",
                "MACs per image each device tier may afford (dealt to clients by the seed): the regulariser becomes a hinge"));
        knobs.add(HeldOutClients.knob());
        knobs.add(HyperParameter.wholeNumber(DERIVED_FINE_TUNE_EPOCHS, Integer.toString(DEFAULT_DERIVED_FINE_TUNE_EPOCHS), 0,
                "local epochs of fine-tuning of each client's derived network (after BN recalibration; it costs "
                        + "about a tenth of a search epoch)"));
        return knobs;
    }

    @Override
    public void validate(JobSpec spec) {
        List<String> problems = new ArrayList<>(selection.problems(spec));
        problems.addAll(HeldOutClients.problems(spec));
        problems.addAll(FedNas.searchProblems(spec, NAME));
        problems.addAll(DartsFamily.fullChannelProblems(spec.getModel(), NAME));
        if (spec.getAsyncAggregation() != null) {
            problems.add(NAME + "'s meta-update (its optimizer on the meta-gradient) is its aggregation, which FedBuff's "
                    + "server step would replace; asyncAggregation is not defined for it");
        }
        try {
            if (fomaml(spec)) {
                if (!metaLearnWeights(spec)) {
                    problems.add("metaLearnWeights false averages the adapted w, which fomaml clients do not send; "
                            + "use metaAlgorithm reptile");
                }
                if (RobustAggregators.forSpec(spec) != null) {
                    problems.add("fomaml clients send gradients, which the robust aggregation rules (made for models) "
                            + "do not handle; use metaAlgorithm reptile");
                }
            }
            DeviceProfiles.tiers(spec);
        } catch (IllegalArgumentException e) {
            problems.add(e.getMessage());
        }
        if (!problems.isEmpty()) {
            throw new IllegalArgumentException("invalid metadnas job: " + String.join("; ", problems));
        }
    }

    /** The supernet with DARTS's initialisation, deterministic in the job seed (as FedNAS). */
    @Override
    public ModelParameters initialize(JobSpec spec) {
        return selection.initialize(spec);
    }

    /** All clients but the last {@value #HELD_OUT_CLIENTS}, the "new clients" the meta-model is adapted to at the end. */
    @Override
    public List<Integer> trainingClients(JobSpec spec) {
        return selection.trainingClients(spec);
    }

    /** FedAvg's seeded draw of clientsPerRound, among the training clients. */
    @Override
    public List<Integer> selectClients(JobSpec spec, int round) {
        return selection.selectClients(spec, round);
    }

    /** The round's w learning rate on DARTS's cosine schedule (as FedNAS). */
    @Override
    public ClientInstruction instruct(JobSpec spec, int round, int clientId, ModelParameters global, ServerState state) {
        return search.instruct(spec, round, clientId, global, state);
    }

    /**
     * The meta-update. The sample-weighted mean of what the clients sent (their adapted Θ′ under
     * Reptile, their query gradients under FOMAML) is the meta-gradient's input; BN statistics are
     * always the mean of the clients' adapted ones.
     */
    @Override
    public Aggregated aggregate(JobSpec spec, int round, ModelParameters global, ServerState state,
                                List<ClientResult> results) {
        if (metaLearningRate(spec) == 0) {
            return new Aggregated(global, state);
        }
        // FOMAML's means are gradients: never through a robust rule (validate refuses one).
        return metaStep(spec, global, state,
                fomaml(spec) ? WeightedAverage.of(global, results) : Aggregation.of(spec, global, results));
    }

    /** The sample-weighted mean folds as updates arrive (FOMAML always; Reptile unless a robust rule needs them all). */
    @Override
    public boolean foldsUpdates(JobSpec spec) {
        return fomaml(spec) || RobustAggregators.forSpec(spec) == null;
    }

    @Override
    public RoundAggregator foldingAggregator(JobSpec spec, int round, ModelParameters global, ServerState state) {
        return new FoldedMean(global, false, mean -> metaStep(spec, global, state, mean));
    }

    /** The Adam step of the meta-update from the clients' mean (no step with a meta rate of 0). */
    private Aggregated metaStep(JobSpec spec, ModelParameters global, ServerState state, ModelParameters mean) {
        double rate = metaLearningRate(spec);
        if (rate == 0) {
            return new Aggregated(global, state);
        }
        boolean fomaml = fomaml(spec);
        Set<String> stepped = new HashSet<>();
        for (NamedTensor t : global.tensors()) {
            boolean statistic = isStatistic(t.name());
            boolean alpha = isAlpha(t.name());
            if (!statistic && (alpha || metaLearnWeights(spec))) {
                stepped.add(t.name());
            }
        }
        MetaOptimizer.Step step = MetaOptimizer.step(adam(spec), rate, global, state, fomaml ? null : mean,
                fomaml ? mean : null, stepped, mean);
        return new Aggregated(step.next(), step.state());
    }

    /** The meta-genotype: the derived network of α_R with the weights it inherits from Θ_R. */
    @Override
    public SearchResult afterSearch(JobSpec spec, ModelParameters finalModel, ServerState state) {
        return DerivedArchitecture.of(finalModel, DartsFamily.options(spec.getModel()), null, 0);
    }

    /**
     * A client's personalized model is its derived network: the genotype it reported, with its cost,
     * whether it was held out of training, and its search figures.
     */
    @Override
    public Optional<ClientArchitecture> clientArchitecture(JobSpec spec, int clientId, Map<String, Double> reported) {
        DartsOptions options = DartsFamily.options(spec.getModel());
        Genotype genotype = GenotypeMetrics.fromMetrics(options.operationNames(), reported);
        ModelSpec derived = DerivedOptions.modelSpec(options, genotype);
        ModelSummary summary = ModelSummary.of(derived);
        Map<String, Object> details = new HashMap<>();
        details.put(PARAMETER_FREE_SHARE, GenotypeMetrics.parameterFreeShare(genotype));
        for (String key : List.of(EXPECTED_MACS, EXPECTED_PARAMETER_FREE_SHARE, MACS_BUDGET,
                SUPERNET_LOCAL_TEST_ACCURACY, COMPLEXITY_PENALTY)) {
            Double value = reported.get(key);
            if (value != null && Double.isFinite(value)) {
                details.put(key, value);
            }
        }
        return Optional.of(new ClientArchitecture(genotype.toJson(), null, summary.parameters(), summary.macs(),
                details, derived));
    }

    @Override
    public ClientProcedure clientProcedure() {
        return client;
    }

    public static boolean isHeldOut(JobSpec spec, int clientId) {
        return HeldOutClients.isHeldOut(spec, clientId);
    }

    static double metaLearningRate(JobSpec spec) {
        return HyperParameters.number(spec, META_LEARNING_RATE, DEFAULT_META_LEARNING_RATE);
    }

    static boolean fomaml(JobSpec spec) {
        return FOMAML.equals(HyperParameters.choice(spec, META_ALGORITHM, REPTILE));
    }

    static boolean adam(JobSpec spec) {
        return "adam".equals(HyperParameters.choice(spec, META_OPTIMIZER, "adam"));
    }

    static boolean metaLearnWeights(JobSpec spec) {
        return !"false".equals(HyperParameters.choice(spec, META_LEARN_WEIGHTS, "true"));
    }

    static double complexityWeight(JobSpec spec) {
        return HyperParameters.number(spec, COMPLEXITY_WEIGHT, DEFAULT_COMPLEXITY_WEIGHT);
    }

    static int derivedFineTuneEpochs(JobSpec spec) {
        return (int) HyperParameters.number(spec, DERIVED_FINE_TUNE_EPOCHS, DEFAULT_DERIVED_FINE_TUNE_EPOCHS);
    }

    /** The client's complexity regulariser: a hinge over its tier's MACs budget, else the relative cost. */
    static ComplexityRegularizer regularizer(JobSpec spec, int clientId) {
        DartsOptions options = DartsFamily.options(spec.getModel());
        return new ComplexityRegularizer(io.fedarch.core.darts.OperationCosts.of(options), complexityWeight(spec),
                DeviceProfiles.of(spec, clientId).macsBudget());
    }

    static boolean isStatistic(String name) {
        return name.endsWith(".running_mean") || name.endsWith(".running_var");
    }

    static boolean isAlpha(String name) {
        return name.equals(SearchNetwork.ALPHA_NORMAL) || name.equals(SearchNetwork.ALPHA_REDUCE);
    }
}
