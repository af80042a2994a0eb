package io.fedarch.core.algorithms.fednas;

import io.fedarch.core.darts.DartsFamily;
import io.fedarch.core.algorithms.fedavg.FedAvg;
import io.fedarch.core.strategy.HyperParameters;
import io.fedarch.core.strategy.Strategy;
import io.fedarch.core.strategy.robust.RobustAggregators;
import io.fedarch.core.strategy.FoldedMean;
import io.fedarch.core.strategy.RoundAggregator;
import io.fedarch.core.strategy.Aggregation;
import io.fedarch.core.strategy.ServerState;
import io.fedarch.core.strategy.HyperParameter;
import io.fedarch.core.strategy.SearchResult;
import io.fedarch.core.strategy.ClientProcedure;
import io.fedarch.core.strategy.Aggregated;
import io.fedarch.core.strategy.ClientInstruction;
import io.fedarch.core.strategy.ClientResult;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import io.fedarch.core.darts.DerivedArchitecture;
import io.fedarch.core.tensor.ModelParameters;
import io.fedarch.events.JobSpec;

/**
 * FedNAS (He et al., 2020): federated DARTS search. Every round the selected clients run a local
 * MiLeNAS search on the global supernet (weights w and architecture α), and the server replaces
 * both by their sample-weighted mean (FedNAS eq. 5) — α and the BN statistics travel and average
 * like any other tensor. Client selection and initialisation are FedAvg's; the model family must
 * be "darts". Derive the architecture from the global α with
 * {@link io.fedarch.core.darts.GenotypeDerivation}.
 * <p>
 * The w learning rate follows DARTS's cosine schedule across rounds (a round plays the role of a
 * DARTS epoch): round r of R gets min + (lr − min)·(1 + cos(π(r−1)/R))/2, sent in the round
 * config under {@value FedAvg#LEARNING_RATE}.
 * <p>
 * Job knobs: learningRate, momentum, weightDecay (DARTS: 0.025, 0.9, 3e-4), archLearningRate
 * (3e-4), and hyperParameters {@value #LAMBDA} (1.0), {@value #ARCH_WEIGHT_DECAY} (1e-3),
 * {@value #MIN_LEARNING_RATE} (0.001), {@value #GRADIENT_CLIP} (5), {@value #WARMUP_ROUNDS} (default
 * a third of the rounds, rounded down, as PC-DARTS warms up 15 of 50 epochs: the first rounds train
 * w alone, so α is not judged on operations that have barely trained — the parameter-free ones win
 * that race; measured in the search protocol, bench/results/search-pays/README.md).
 * <p>
 * FedNAS's evaluation stage is configured here too and run by the pruning service after the
 * search: {@value #FINE_TUNE_ROUNDS} (0 = export the derived network with the inherited weights
 * as they are) rounds of FedAvg on the derived network, at {@value #FINE_TUNE_LEARNING_RATE}
 * (default: the job's learningRate) for {@value #FINE_TUNE_EPOCHS} local epochs (default: localEpochs),
 * between two federated BN statistics passes ({@value #FINE_TUNE_STATISTICS_PASS}, default 1: a
 * first round in which clients only re-measure the inherited network's BN statistics, which were the
 * supernet mixture's, and a last one over the trained network; see {@link FedAvg#STATISTICS_PASS}).
 */
public final class FedNas implements Strategy {
    public static final String NAME = "fednas";
    public static final String LAMBDA = "lambda";
    public static final String ARCH_WEIGHT_DECAY = "archWeightDecay";
    public static final String MIN_LEARNING_RATE = "minLearningRate";
    public static final String GRADIENT_CLIP = "gradientClip";
    public static final String FINE_TUNE_ROUNDS = "fineTuneRounds";
    public static final String FINE_TUNE_LEARNING_RATE = "fineTuneLearningRate";
    public static final String FINE_TUNE_EPOCHS = "fineTuneEpochs";
    public static final String WARMUP_ROUNDS = "warmupRounds";
    public static final String FINE_TUNE_STATISTICS_PASS = "fineTuneStatisticsPass";
    public static final double DEFAULT_FINE_TUNE_STATISTICS_PASS = 1;
    /** Round-config key: "true" when this round only warms w up (α is not updated). */
    public static final String ARCHITECTURE_FROZEN = "architectureFrozen";
    public static final double DEFAULT_LAMBDA = 1.0;
    public static final double DEFAULT_ARCH_WEIGHT_DECAY = 1e-3;
    public static final double DEFAULT_MIN_LEARNING_RATE = 0.001;
    public static final double DEFAULT_GRADIENT_CLIP = 5.0;

    private final FedAvg selection = new FedAvg();
    private final FedNasClient client = new FedNasClient();

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
        return "FedNAS (He et al., 2020): local MiLeNAS search of a DARTS supernet, sample-weighted mean of w and alpha, "
                + "genotype export and optional federated fine-tuning";
    }

    /** MiLeNAS's knobs, the cosine schedule's floor, and the evaluation stage (fine-tuning) the pruning service runs. */
    @Override
    public List<HyperParameter> hyperParameters() {
        List<HyperParameter> knobs = new ArrayList<>(searchKnobs());
        knobs.add(HyperParameter.number(LAMBDA, Double.toString(DEFAULT_LAMBDA), 0, Double.POSITIVE_INFINITY,
                "MiLeNAS: weight of the validation-loss gradient in the alpha step"));
        knobs.add(HyperParameter.wholeNumber(WARMUP_ROUNDS, "rounds / 3, rounded down", 0,
                "w warm-up: the first rounds train only the weights, alpha starts moving after them"));
        knobs.add(HyperParameter.wholeNumber(FINE_TUNE_ROUNDS, "0", 0,
                "federated fine-tuning rounds of the derived network (0 = export it with the inherited weights)"));
        knobs.add(HyperParameter.positive(FINE_TUNE_LEARNING_RATE, "the job's learningRate",
                "learning rate of the fine-tuning job"));
        knobs.add(HyperParameter.wholeNumber(FINE_TUNE_EPOCHS, "the job's localEpochs", 1,
                "local epochs per fine-tuning round"));
        knobs.add(HyperParameter.wholeNumber(FINE_TUNE_STATISTICS_PASS, "1", 0,
                "1 = the fine-tuning job starts and ends with a federated BN statistics pass (two extra rounds, no gradient)"));
        return knobs;
    }

    /** The knobs of a DARTS search shared with FedMetaNAS (personalization, schedule, alpha regularisation, clipping). */
    public static List<HyperParameter> searchKnobs() {
        List<HyperParameter> knobs = new ArrayList<>(List.of(Strategy.personalizationLearningRate()));
        knobs.add(HyperParameter.number(ARCH_WEIGHT_DECAY, Double.toString(DEFAULT_ARCH_WEIGHT_DECAY), 0,
                Double.POSITIVE_INFINITY, "Adam weight decay of alpha"));
        knobs.add(HyperParameter.positive(MIN_LEARNING_RATE, Double.toString(DEFAULT_MIN_LEARNING_RATE),
                "floor of the cosine w learning rate across rounds (at most learningRate)"));
        knobs.add(HyperParameter.positive(GRADIENT_CLIP, Double.toString(DEFAULT_GRADIENT_CLIP),
                "norm to which w's gradient is clipped"));
        return knobs;
    }

    @Override
    public void validate(JobSpec spec) {
        List<String> problems = new ArrayList<>(selection.problems(spec));
        problems.addAll(searchProblems(spec, NAME));
        try {
            double fineTuneRounds = HyperParameters.number(spec, FINE_TUNE_ROUNDS, 0);
            double fineTuneRate = HyperParameters.number(spec, FINE_TUNE_LEARNING_RATE, spec.getLearningRate());
            double fineTuneEpochs = HyperParameters.number(spec, FINE_TUNE_EPOCHS, spec.getLocalEpochs());
            double warmup = HyperParameters.number(spec, WARMUP_ROUNDS, defaultWarmupRounds(spec));
            double pass = HyperParameters.number(spec, FINE_TUNE_STATISTICS_PASS, DEFAULT_FINE_TUNE_STATISTICS_PASS);
            if (pass != 0 && pass != 1) {
                problems.add("fineTuneStatisticsPass must be 0 or 1 (got " + pass + ")");
            }
            if (!(warmup >= 0) || warmup != Math.rint(warmup) || warmup >= spec.getRounds()) {
                problems.add("warmupRounds must be a whole number in [0, rounds) so alpha trains at least one round (got "
                        + warmup + ")");
            }
            if (fineTuneRounds == 0 && DartsFamily.NAME.equalsIgnoreCase(String.valueOf(spec.getModel().getFamily()))
                    && DartsFamily.options(spec.getModel()).partialChannels() > 1) {
                problems.add("a partial-channel supernet (partialChannels > 1) cannot hand its weights to the derived "
                        + "network: set fineTuneRounds >= 1 to train it");
            }
            if (!(fineTuneRounds >= 0) || fineTuneRounds != Math.rint(fineTuneRounds)) {
                problems.add("fineTuneRounds must be a whole number >= 0 (got " + fineTuneRounds + ")");
            }
            if (!(fineTuneRate > 0) || Double.isInfinite(fineTuneRate)) {
                problems.add("fineTuneLearningRate must be positive (got " + fineTuneRate + ")");
            }
            if (!(fineTuneEpochs >= 1) || fineTuneEpochs != Math.rint(fineTuneEpochs)) {
                problems.add("fineTuneEpochs must be a whole number >= 1 (got " + fineTuneEpochs + ")");
            }
        } catch (IllegalArgumentException e) {
            problems.add(e.getMessage());
        }
        if (!problems.isEmpty()) {
            throw new IllegalArgumentException("invalid fednas job: " + String.join("; ", problems));
        }
    }

    /**
     * What is wrong with a job's local DARTS search as every MiLeNAS-based strategy sees it (family,
     * validation split, α learning rate, λ, α weight decay, clip, the cosine floor); empty when nothing is.
     *
     * @param algorithm the strategy's name, for the messages
     */
    public static List<String> searchProblems(JobSpec spec, String algorithm) {
        List<String> problems = new ArrayList<>();
        String family = spec.getModel().getFamily() == null ? "" : spec.getModel().getFamily().toLowerCase(Locale.ROOT);
        if (!family.equals(DartsFamily.NAME)) {
            problems.add(algorithm + " searches the '" + DartsFamily.NAME + "' model family (got '"
                    + spec.getModel().getFamily() + "')");
        }
        if (!(spec.getData().getPartition().getValidationFraction() > 0)) {
            problems.add(algorithm + " needs validationFraction > 0: MiLeNAS updates α on the clients' validation split");
        }
        if (!(spec.getArchLearningRate() > 0) || Double.isInfinite(spec.getArchLearningRate())) {
            problems.add("archLearningRate must be positive (got " + spec.getArchLearningRate() + ")");
        }
        try {
            double lambda = HyperParameters.number(spec, LAMBDA, DEFAULT_LAMBDA);
            double minLr = HyperParameters.number(spec, MIN_LEARNING_RATE, DEFAULT_MIN_LEARNING_RATE);
            double decay = HyperParameters.number(spec, ARCH_WEIGHT_DECAY, DEFAULT_ARCH_WEIGHT_DECAY);
            double clip = HyperParameters.number(spec, GRADIENT_CLIP, DEFAULT_GRADIENT_CLIP);
            if (!(lambda >= 0)) {
                problems.add("lambda must be >= 0 (got " + lambda + ")");
            }
            if (!(decay >= 0)) {
                problems.add("archWeightDecay must be >= 0 (got " + decay + ")");
            }
            if (!(clip > 0)) {
                problems.add("gradientClip must be positive (got " + clip + ")");
            }
            if (!(minLr > 0 && minLr <= spec.getLearningRate())) {
                problems.add("minLearningRate must be in (0, learningRate] (got " + minLr + ")");
            }
        } catch (IllegalArgumentException e) {
            problems.add(e.getMessage());
        }
        return problems;
    }

    /** The supernet with DARTS's initialisation (α = 1e-3·randn), deterministic in the job seed. */
    @Override
    public ModelParameters initialize(JobSpec spec) {
        return selection.initialize(spec);
    }

    /** The round's w learning rate on DARTS's cosine schedule, the same for every client, and whether α is still frozen. */
    @Override
    public ClientInstruction instruct(JobSpec spec, int round, int clientId, ModelParameters global, ServerState state) {
        double rate = cosineLearningRate(spec.getLearningRate(),
                HyperParameters.number(spec, MIN_LEARNING_RATE, DEFAULT_MIN_LEARNING_RATE), round, spec.getRounds());
        boolean frozen = round <= HyperParameters.number(spec, WARMUP_ROUNDS, defaultWarmupRounds(spec));
        return ClientInstruction.of(clientId, frozen
                ? Map.of(FedAvg.LEARNING_RATE, Double.toString(rate), ARCHITECTURE_FROZEN, "true")
                : Map.of(FedAvg.LEARNING_RATE, Double.toString(rate)));
    }

    /** A third of the search rounds, rounded down (0 for jobs of 1 or 2 rounds), as PC-DARTS's 15 of 50 epochs. */
    static int defaultWarmupRounds(JobSpec spec) {
        return spec.getRounds() / 3;
    }

    /** DARTS's CosineAnnealingLR evaluated at epoch round−1 of {@code rounds}. */
    static double cosineLearningRate(double initial, double minimum, int round, int rounds) {
        return minimum + (initial - minimum) * (1 + Math.cos(Math.PI * (round - 1) / rounds)) / 2;
    }

    /** FedNAS eq. 5: the sample-weighted mean of every tensor, weights w and architecture α alike. */
    @Override
    public Aggregated aggregate(JobSpec spec, int round, ModelParameters global, ServerState state,
                                List<ClientResult> results) {
        return new Aggregated(Aggregation.of(spec, global, results), state);
    }

    /** w and α fold as updates arrive into their sample-weighted mean; a robust rule needs them all. */
    @Override
    public boolean foldsUpdates(JobSpec spec) {
        return RobustAggregators.forSpec(spec) == null;
    }

    @Override
    public RoundAggregator foldingAggregator(JobSpec spec, int round, ModelParameters global, ServerState state) {
        return new FoldedMean(global, false, mean -> new Aggregated(mean, state));
    }

    /** FedNAS's evaluation stage: the derived network of the final α, fine-tuned for fineTuneRounds (0 = as inherited). */
    @Override
    public SearchResult afterSearch(JobSpec spec, ModelParameters finalModel, ServerState state) {
        return DerivedArchitecture.of(finalModel, DartsFamily.options(spec.getModel()), null,
                (int) HyperParameters.number(spec, FINE_TUNE_ROUNDS, 0));
    }

    @Override
    public ClientProcedure clientProcedure() {
        return client;
    }
}
