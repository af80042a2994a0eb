package io.fedarch.core.strategy;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import io.fedarch.core.model.ModelFactory;
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
 * {@value #MIN_LEARNING_RATE} (0.001), {@value #GRADIENT_CLIP} (5).
 * <p>
 * FedNAS's evaluation stage is configured here too and run by the pruning service after the
 * search: {@value #FINE_TUNE_ROUNDS} (0 = export the derived network with the inherited weights
 * as they are) rounds of FedAvg on the derived network, at {@value #FINE_TUNE_LEARNING_RATE}
 * (default: the job's learningRate) for {@value #FINE_TUNE_EPOCHS} local epochs (default: localEpochs).
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
    public static final double DEFAULT_LAMBDA = 1.0;
    public static final double DEFAULT_ARCH_WEIGHT_DECAY = 1e-3;
    public static final double DEFAULT_MIN_LEARNING_RATE = 0.001;
    public static final double DEFAULT_GRADIENT_CLIP = 5.0;

    private final FedAvg selection = new FedAvg();
    private final FedNasClient client = new FedNasClient();

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public void validate(JobSpec spec) {
        List<String> problems = new ArrayList<>();
        try {
            selection.validate(spec);
        } catch (IllegalArgumentException e) {
            problems.add(e.getMessage().replaceFirst("^invalid fedavg job: ", ""));
        }
        String family = spec.getModel().getFamily() == null ? "" : spec.getModel().getFamily().toLowerCase(Locale.ROOT);
        if (!family.equals(ModelFactory.DARTS)) {
            problems.add("fednas searches the '" + ModelFactory.DARTS + "' model family (got '" + spec.getModel().getFamily() + "')");
        }
        if (!(spec.getData().getPartition().getValidationFraction() > 0)) {
            problems.add("fednas needs validationFraction > 0: MiLeNAS updates α on the clients' validation split");
        }
        if (!(spec.getArchLearningRate() > 0) || Double.isInfinite(spec.getArchLearningRate())) {
            problems.add("archLearningRate must be positive (got " + spec.getArchLearningRate() + ")");
        }
        try {
            double lambda = hyperParameter(spec, LAMBDA, DEFAULT_LAMBDA);
            double minLr = hyperParameter(spec, MIN_LEARNING_RATE, DEFAULT_MIN_LEARNING_RATE);
            double decay = hyperParameter(spec, ARCH_WEIGHT_DECAY, DEFAULT_ARCH_WEIGHT_DECAY);
            double clip = hyperParameter(spec, GRADIENT_CLIP, DEFAULT_GRADIENT_CLIP);
            if (!(lambda >= 0)) {
                problems.add("lambda must be >= 0 (got " + lambda + ")");
            }
            if (!(decay >= 0)) {
                problems.add("archWeightDecay must be >= 0 (got " + decay + ")");
            }
            if (!(clip > 0)) {
                problems.add("gradientClip must be positive (got " + clip + ")");
            }
            double fineTuneRounds = hyperParameter(spec, FINE_TUNE_ROUNDS, 0);
            double fineTuneRate = hyperParameter(spec, FINE_TUNE_LEARNING_RATE, spec.getLearningRate());
            double fineTuneEpochs = hyperParameter(spec, FINE_TUNE_EPOCHS, spec.getLocalEpochs());
            if (!(fineTuneRounds >= 0) || fineTuneRounds != Math.rint(fineTuneRounds)) {
                problems.add("fineTuneRounds must be a whole number >= 0 (got " + fineTuneRounds + ")");
            }
            if (!(fineTuneRate > 0) || Double.isInfinite(fineTuneRate)) {
                problems.add("fineTuneLearningRate must be positive (got " + fineTuneRate + ")");
            }
            if (!(fineTuneEpochs >= 1) || fineTuneEpochs != Math.rint(fineTuneEpochs)) {
                problems.add("fineTuneEpochs must be a whole number >= 1 (got " + fineTuneEpochs + ")");
            }
            if (!(minLr > 0 && minLr <= spec.getLearningRate())) {
                problems.add("minLearningRate must be in (0, learningRate] (got " + minLr + ")");
            }
        } catch (IllegalArgumentException e) {
            problems.add(e.getMessage());
        }
        if (!problems.isEmpty()) {
            throw new IllegalArgumentException("invalid fednas job: " + String.join("; ", problems));
        }
    }

    /** The supernet with DARTS's initialisation (α = 1e-3·randn), deterministic in the job seed. */
    @Override
    public ModelParameters initialize(JobSpec spec) {
        return selection.initialize(spec);
    }

    @Override
    public RoundPlan configureRound(JobSpec spec, int round, ModelParameters global) {
        double rate = cosineLearningRate(spec.getLearningRate(),
                hyperParameter(spec, MIN_LEARNING_RATE, DEFAULT_MIN_LEARNING_RATE), round, spec.getRounds());
        return new RoundPlan(FedAvg.selectClients(spec.getTotalClients(), spec.getClientsPerRound(), spec.getSeed(), round),
                Map.of(FedAvg.LEARNING_RATE, Double.toString(rate)));
    }

    /** DARTS's CosineAnnealingLR evaluated at epoch round−1 of {@code rounds}. */
    static double cosineLearningRate(double initial, double minimum, int round, int rounds) {
        return minimum + (initial - minimum) * (1 + Math.cos(Math.PI * (round - 1) / rounds)) / 2;
    }

    /** FedNAS eq. 5: the sample-weighted mean of every tensor, weights w and architecture α alike. */
    @Override
    public ModelParameters aggregate(JobSpec spec, int round, ModelParameters global, List<ClientResult> results) {
        return Aggregation.of(spec, global, results);
    }

    @Override
    public ClientProcedure clientProcedure() {
        return client;
    }

    /**
     * A numeric entry of the job's hyperParameters, or {@code fallback} when absent.
     *
     * @throws IllegalArgumentException when present but not a number
     */
    public static double hyperParameter(JobSpec spec, String key, double fallback) {
        Map<String, String> map = spec.getHyperParameters();
        String value = map == null ? null : map.get(key);
        if (value == null || value.isBlank()) {
            return fallback;
        }
        try {
            return Double.parseDouble(value.trim());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("hyperParameter " + key + "='" + value + "' is not a number", e);
        }
    }
}
