package io.fedarch.core.strategy;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import io.fedarch.core.darts.DartsOptions;
import io.fedarch.core.darts.MixingMode;
import io.fedarch.core.darts.OperationMask;
import io.fedarch.core.darts.SoftPruning;
import io.fedarch.core.tensor.ModelParameters;
import io.fedarch.events.JobSpec;

/**
 * FedMetaNAS (Gao & Huang, arXiv 2504.06457; no public code exists, so this class and its
 * collaborators are the reference, documented in the README): federated architecture search in
 * the DARTS space with
 * <ul>
 *   <li>a Gumbel-softmax relaxation of every edge (hard, straight-through, by default: a step
 *       evaluates one sampled operation per edge), its temperature τ annealed linearly across
 *       rounds from {@value #TEMPERATURE_START} to {@value #TEMPERATURE_END} (defaults 10 → 1,
 *       MiLeNAS+GDAS's schedule) and sent in each round's config;</li>
 *   <li>a MAML client procedure over w and α ({@link FedMetaNasClient}): each client is a task;</li>
 *   <li>server aggregation as in FedNAS eq. 5 (sample-weighted mean of w, BN statistics and α);</li>
 *   <li>soft pruning between rounds ({@link SoftPruning}, run by the pruning service), so rounds
 *       get cheaper as the space shrinks and the last round trains the discrete architecture,
 *       which is exported as is (no retraining).</li>
 * </ul>
 * Job knobs: learningRate (meta w, cosine across rounds like FedNAS), momentum, weightDecay,
 * archLearningRate (meta α, Adam), and hyperParameters {@value #GUMBEL} (hard | soft),
 * {@value #TEMPERATURE_START}, {@value #TEMPERATURE_END}, {@value #INNER_STEPS} (1),
 * {@value #INNER_LEARNING_RATE} (default: the round's learningRate), {@value #INNER_ARCH_LEARNING_RATE}
 * (0.05), {@value #SECOND_ORDER} (false), {@value #PRUNE_START_ROUND}, {@value #PRUNE_END_ROUND},
 * {@value #PRUNE_DECAY_ROUNDS} (2), and FedNAS's archWeightDecay, minLearningRate, gradientClip.
 */
public final class FedMetaNas implements Strategy, PrunesBetweenRounds {
    public static final String NAME = "fedmetanas";
    public static final String GUMBEL = "gumbel";
    public static final String TEMPERATURE = "temperature";
    public static final String TEMPERATURE_START = "temperatureStart";
    public static final String TEMPERATURE_END = "temperatureEnd";
    public static final String INNER_STEPS = "innerSteps";
    public static final String INNER_LEARNING_RATE = "innerLearningRate";
    public static final String INNER_ARCH_LEARNING_RATE = "innerArchLearningRate";
    public static final String SECOND_ORDER = "secondOrder";
    public static final String PRUNE_START_ROUND = "pruneStartRound";
    public static final String PRUNE_END_ROUND = "pruneEndRound";
    public static final String PRUNE_DECAY_ROUNDS = "pruneDecayRounds";
    public static final double DEFAULT_TEMPERATURE_START = 10.0;
    public static final double DEFAULT_TEMPERATURE_END = 1.0;
    public static final double DEFAULT_INNER_ARCH_LEARNING_RATE = 0.05;
    public static final int DEFAULT_PRUNE_DECAY_ROUNDS = 2;

    private final FedNas search = new FedNas();
    private final FedMetaNasClient client = new FedMetaNasClient();

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public void validate(JobSpec spec) {
        List<String> problems = new ArrayList<>();
        try {
            search.validate(spec);
        } catch (IllegalArgumentException e) {
            problems.add(e.getMessage().replaceFirst("^invalid fednas job: ", "").replace("fednas", NAME));
        }
        try {
            mixingMode(spec);
            double start = FedNas.hyperParameter(spec, TEMPERATURE_START, DEFAULT_TEMPERATURE_START);
            double end = FedNas.hyperParameter(spec, TEMPERATURE_END, DEFAULT_TEMPERATURE_END);
            if (!(start > 0) || !(end > 0) || Double.isInfinite(start) || Double.isInfinite(end)) {
                problems.add("temperatureStart and temperatureEnd must be positive (got " + start + ", " + end + ")");
            }
            double inner = FedNas.hyperParameter(spec, INNER_STEPS, 1);
            if (!(inner >= 1) || inner != Math.rint(inner)) {
                problems.add("innerSteps must be a whole number >= 1 (got " + inner + ")");
            }
            double innerRate = FedNas.hyperParameter(spec, INNER_LEARNING_RATE, spec.getLearningRate());
            double innerArch = FedNas.hyperParameter(spec, INNER_ARCH_LEARNING_RATE, DEFAULT_INNER_ARCH_LEARNING_RATE);
            if (!(innerRate >= 0) || !(innerArch >= 0)) {
                problems.add("innerLearningRate and innerArchLearningRate must be >= 0 (got " + innerRate + ", "
                        + innerArch + ")");
            }
            secondOrder(spec);
            schedule(spec);
        } catch (IllegalArgumentException e) {
            problems.add(e.getMessage());
        }
        if (!problems.isEmpty()) {
            throw new IllegalArgumentException("invalid " + NAME + " job: " + String.join("; ", problems));
        }
    }

    @Override
    public ModelParameters initialize(JobSpec spec) {
        return search.initialize(spec);
    }

    /** FedNAS's cosine learning rate and this round's Gumbel temperature. */
    @Override
    public RoundPlan configureRound(JobSpec spec, int round, ModelParameters global) {
        RoundPlan fedNas = search.configureRound(spec, round, global);
        Map<String, String> config = new HashMap<>(fedNas.roundConfig());
        config.put(TEMPERATURE, Double.toString(temperature(spec, round)));
        return new RoundPlan(fedNas.clients(), config);
    }

    /** τ of round r of R, linear from temperatureStart (round 1) to temperatureEnd (round R). */
    public static double temperature(JobSpec spec, int round) {
        double start = FedNas.hyperParameter(spec, TEMPERATURE_START, DEFAULT_TEMPERATURE_START);
        double end = FedNas.hyperParameter(spec, TEMPERATURE_END, DEFAULT_TEMPERATURE_END);
        int rounds = spec.getRounds();
        if (rounds <= 1) {
            return end;
        }
        double progress = Math.min(1.0, Math.max(0.0, (round - 1) / (double) (rounds - 1)));
        return start + (end - start) * progress;
    }

    /** Personalization runs at the final temperature. */
    @Override
    public RoundPlan configurePersonalization(JobSpec spec, ModelParameters global) {
        RoundPlan plan = Strategy.super.configurePersonalization(spec, global);
        Map<String, String> config = new HashMap<>(plan.roundConfig());
        config.put(TEMPERATURE, Double.toString(temperature(spec, spec.getRounds())));
        return new RoundPlan(plan.clients(), config);
    }

    @Override
    public ModelParameters aggregate(JobSpec spec, int round, ModelParameters global, List<ClientResult> results) {
        return search.aggregate(spec, round, global, results);
    }

    @Override
    public ClientProcedure clientProcedure() {
        return client;
    }

    @Override
    public OperationMask initialMask(JobSpec spec) {
        return OperationMask.full(DartsOptions.parse(spec.getModel().getOptions()));
    }

    @Override
    public SoftPruning.Step prune(JobSpec spec, int round, ModelParameters global, OperationMask current) {
        DartsOptions options = DartsOptions.parse(spec.getModel().getOptions());
        return SoftPruning.next(global, options, current == null ? OperationMask.full(options) : current, round,
                schedule(spec));
    }

    /** The job's pruning schedule: hyperParameters, else start after a quarter of the rounds and be discrete for the last. */
    public static SoftPruning.Schedule schedule(JobSpec spec) {
        int decay = (int) wholeNumber(spec, PRUNE_DECAY_ROUNDS, DEFAULT_PRUNE_DECAY_ROUNDS);
        SoftPruning.Schedule defaults = SoftPruning.Schedule.forRounds(spec.getRounds(), Math.max(1, decay));
        int start = (int) wholeNumber(spec, PRUNE_START_ROUND, defaults.startRound());
        int end = (int) wholeNumber(spec, PRUNE_END_ROUND, Math.max(start, defaults.endRound()));
        return new SoftPruning.Schedule(start, end, decay);
    }

    static MixingMode mixingMode(JobSpec spec) {
        String value = spec.getHyperParameters() == null ? null : spec.getHyperParameters().get(GUMBEL);
        if (value == null || value.isBlank() || value.trim().equalsIgnoreCase("hard")) {
            return MixingMode.GUMBEL_HARD;
        }
        if (value.trim().equalsIgnoreCase("soft")) {
            return MixingMode.GUMBEL_SOFT;
        }
        throw new IllegalArgumentException("hyperParameter gumbel='" + value + "' must be 'hard' or 'soft'");
    }

    static boolean secondOrder(JobSpec spec) {
        String value = spec.getHyperParameters() == null ? null : spec.getHyperParameters().get(SECOND_ORDER);
        if (value == null || value.isBlank()) {
            return false;
        }
        return switch (value.trim().toLowerCase(Locale.ROOT)) {
            case "true" -> true;
            case "false" -> false;
            default -> throw new IllegalArgumentException("hyperParameter secondOrder='" + value
                    + "' must be 'true' or 'false'");
        };
    }

    private static double wholeNumber(JobSpec spec, String key, double fallback) {
        double value = FedNas.hyperParameter(spec, key, fallback);
        if (!(value >= 0) || value != Math.rint(value)) {
            throw new IllegalArgumentException(key + " must be a whole number >= 0 (got " + value + ")");
        }
        return value;
    }
}
