package io.fedarch.core.algorithms.fedmetanas;

import io.fedarch.core.algorithms.fednas.FedNas;
import io.fedarch.core.strategy.ClientTaskContext;
import io.fedarch.core.strategy.HyperParameters;
import io.fedarch.core.strategy.Strategy;
import io.fedarch.core.strategy.RoundAggregator;
import io.fedarch.core.strategy.ServerState;
import io.fedarch.core.strategy.HyperParameter;
import io.fedarch.core.strategy.SearchResult;
import io.fedarch.core.strategy.ClientProcedure;
import io.fedarch.core.strategy.Aggregated;
import io.fedarch.core.strategy.ClientInstruction;
import io.fedarch.core.strategy.ClientResult;
import io.fedarch.core.strategy.RoundPlan;
import io.fedarch.core.strategy.BetweenRounds;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

import io.fedarch.core.darts.DartsFamily;
import io.fedarch.core.darts.DartsOptions;
import io.fedarch.core.darts.DerivedArchitecture;
import io.fedarch.core.darts.MixingMode;
import io.fedarch.core.darts.OperationMask;
import io.fedarch.core.algorithms.fedmetanas.SoftPruning;
import io.fedarch.core.tensor.ModelParameters;
import io.fedarch.events.JobSpec;

/**
 * FedMetaNAS (Gao & Huang, arXiv 2504.06457; no public code exists, so this class and its
 * collaborators are the reference, documented in docs/algorithms/fedmetanas.md): federated architecture search in
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
public final class FedMetaNas implements Strategy, BetweenRounds {
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
    /** Name prefix of the mask's two keep-factor tables, in the server state and in each client's payload. */
    public static final String MASK = "mask";
    /** State value: the operations of the mask tables' columns, comma-separated. */
    public static final String MASK_OPERATIONS = MASK + ".operations";

    private final FedNas search = new FedNas();
    private final FedMetaNasClient client = new FedMetaNasClient();

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public String description() {
        return "FedMetaNAS (Gao & Huang, 2025): Gumbel-softmax DARTS search with MAML on every client, soft pruning "
                + "between rounds, export of the surviving path without retraining";
    }

    @Override
    public List<HyperParameter> hyperParameters() {
        List<HyperParameter> knobs = new ArrayList<>(FedNas.searchKnobs());
        knobs.add(HyperParameter.choice(GUMBEL, "hard", List.of("hard", "soft"),
                "hard: straight-through one-hot samples (one operation per edge evaluated); soft: every operation"));
        knobs.add(HyperParameter.positive(TEMPERATURE_START, Double.toString(DEFAULT_TEMPERATURE_START),
                "Gumbel-softmax temperature of round 1 (annealed linearly)"));
        knobs.add(HyperParameter.positive(TEMPERATURE_END, Double.toString(DEFAULT_TEMPERATURE_END),
                "Gumbel-softmax temperature of the last round"));
        knobs.add(HyperParameter.wholeNumber(INNER_STEPS, "1", 1, "MAML inner SGD steps on the support batch"));
        knobs.add(HyperParameter.number(INNER_LEARNING_RATE, "the round's learningRate", 0, Double.POSITIVE_INFINITY,
                "MAML inner learning rate of w"));
        knobs.add(HyperParameter.number(INNER_ARCH_LEARNING_RATE, Double.toString(DEFAULT_INNER_ARCH_LEARNING_RATE), 0,
                Double.POSITIVE_INFINITY, "MAML inner learning rate of alpha"));
        knobs.add(HyperParameter.bool(SECOND_ORDER, false, "exact second-order MAML (false: first order, FOMAML)"));
        knobs.add(HyperParameter.wholeNumber(PRUNE_START_ROUND, "a quarter of the rounds", 0,
                "soft pruning: the round after which the threshold starts rising from 0"));
        knobs.add(HyperParameter.wholeNumber(PRUNE_END_ROUND, "half of the rounds", 0,
                "soft pruning: the round after which the threshold is 1"));
        knobs.add(HyperParameter.wholeNumber(PRUNE_DECAY_ROUNDS, Integer.toString(DEFAULT_PRUNE_DECAY_ROUNDS), 0,
                "soft pruning: rounds over which a weak operation decays to 0"));
        return knobs;
    }

    @Override
    public void validate(JobSpec spec) {
        List<String> problems = new ArrayList<>();
        try {
            search.validate(spec);
        } catch (IllegalArgumentException e) {
            problems.add(e.getMessage().replaceFirst("^invalid fednas job: ", "").replace("fednas", NAME));
        }
        problems.addAll(DartsFamily.fullChannelProblems(spec.getModel(), NAME));
        try {
            mixingMode(spec);
            double start = HyperParameters.number(spec, TEMPERATURE_START, DEFAULT_TEMPERATURE_START);
            double end = HyperParameters.number(spec, TEMPERATURE_END, DEFAULT_TEMPERATURE_END);
            if (!(start > 0) || !(end > 0) || Double.isInfinite(start) || Double.isInfinite(end)) {
                problems.add("temperatureStart and temperatureEnd must be positive (got " + start + ", " + end + ")");
            }
            double inner = HyperParameters.number(spec, INNER_STEPS, 1);
            if (!(inner >= 1) || inner != Math.rint(inner)) {
                problems.add("innerSteps must be a whole number >= 1 (got " + inner + ")");
            }
            double innerRate = HyperParameters.number(spec, INNER_LEARNING_RATE, spec.getLearningRate());
            double innerArch = HyperParameters.number(spec, INNER_ARCH_LEARNING_RATE, DEFAULT_INNER_ARCH_LEARNING_RATE);
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

    /** The whole space: round 1 searches every operation. */
    @Override
    public ServerState initialState(JobSpec spec) {
        return ServerState.EMPTY.withTensors(OperationMask.full(supernetOptions(spec))
                .toTensors(MASK));
    }

    /** FedNAS's cosine learning rate, this round's Gumbel temperature, and the mask to search in as payload. */
    @Override
    public ClientInstruction instruct(JobSpec spec, int round, int clientId, ModelParameters global, ServerState state) {
        ClientInstruction fedNas = search.instruct(spec, round, clientId, global, state);
        Map<String, String> config = new HashMap<>(fedNas.config());
        config.put(TEMPERATURE, Double.toString(temperature(spec, round)));
        return new ClientInstruction(clientId, config, maskPayload(state));
    }

    /** The mask tables of the server state, sent to a client (null when the state has none). */
    private static ModelParameters maskPayload(ServerState state) {
        if (state.tensor(MASK + ".normal") == null) {
            return null;
        }
        return new ModelParameters(List.of(state.tensor(MASK + ".normal"), state.tensor(MASK + ".reduce")));
    }

    /** τ of round r of R, linear from temperatureStart (round 1) to temperatureEnd (round R). */
    public static double temperature(JobSpec spec, int round) {
        double start = HyperParameters.number(spec, TEMPERATURE_START, DEFAULT_TEMPERATURE_START);
        double end = HyperParameters.number(spec, TEMPERATURE_END, DEFAULT_TEMPERATURE_END);
        int rounds = spec.getRounds();
        if (rounds <= 1) {
            return end;
        }
        double progress = Math.min(1.0, Math.max(0.0, (round - 1) / (double) (rounds - 1)));
        return start + (end - start) * progress;
    }

    /** Personalization runs at the final temperature, in the final mask. */
    @Override
    public RoundPlan configurePersonalization(JobSpec spec, ModelParameters global, ServerState state) {
        RoundPlan plan = Strategy.super.configurePersonalization(spec, global, state);
        return new RoundPlan(plan.instructions().stream().map(instruction -> {
            Map<String, String> config = new HashMap<>(instruction.config());
            config.put(TEMPERATURE, Double.toString(temperature(spec, spec.getRounds())));
            return new ClientInstruction(instruction.clientId(), config, maskPayload(state));
        }).toList());
    }

    @Override
    public Aggregated aggregate(JobSpec spec, int round, ModelParameters global, ServerState state,
                                List<ClientResult> results) {
        return search.aggregate(spec, round, global, state, results);
    }

    @Override
    public boolean foldsUpdates(JobSpec spec) {
        return search.foldsUpdates(spec);
    }

    @Override
    public RoundAggregator foldingAggregator(JobSpec spec, int round, ModelParameters global, ServerState state) {
        return search.foldingAggregator(spec, round, global, state);
    }

    /** No retraining: the surviving path of the final mask, as trained. */
    @Override
    public SearchResult afterSearch(JobSpec spec, ModelParameters finalModel, ServerState state) {
        return DerivedArchitecture.of(finalModel, supernetOptions(spec), mask(spec, state), 0);
    }

    @Override
    public ClientProcedure clientProcedure() {
        return client;
    }

    /** Soft pruning between rounds is this strategy's between-rounds step. */
    @Override
    public Optional<BetweenRounds> betweenRounds() {
        return Optional.of(this);
    }

    /** The next round's mask ({@link SoftPruning}) from the aggregated α and the mask the round searched in. */
    @Override
    public ServerState next(JobSpec spec, int round, ModelParameters global, ServerState state) {
        return withMask(state, prune(spec, round, global, state).mask());
    }

    /** The soft-pruning step itself, with its threshold (the pruning service publishes both). */
    public SoftPruning.Step prune(JobSpec spec, int round, ModelParameters global, ServerState state) {
        DartsOptions options = supernetOptions(spec);
        OperationMask current = mask(spec, state);
        return SoftPruning.next(global, options, current == null ? OperationMask.full(options) : current, round,
                schedule(spec));
    }

    @Override
    public void check(JobSpec spec, ServerState state) {
        OperationMask mask = mask(spec, state);
        if (mask == null) {
            throw new IllegalArgumentException("the state has no mask tables '" + MASK + ".normal/.reduce'");
        }
        mask.requireFits(supernetOptions(spec));
    }

    /** The state with {@code mask} as its search space (its tables, and the operations their columns are). */
    public static ServerState withMask(ServerState state, OperationMask mask) {
        return state.withTensors(mask.toTensors(MASK)).withValue(MASK_OPERATIONS, String.join(",", mask.operations()));
    }

    /**
     * The mask a server state holds, or null when it holds none.
     *
     * @throws IllegalArgumentException when its tables are over other operations than the job's, or do not fit
     */
    public static OperationMask mask(JobSpec spec, ServerState state) {
        if (state == null || state.tensor(MASK + ".normal") == null) {
            return null;
        }
        List<String> operations = supernetOptions(spec).operationNames();
        String named = state.values().get(MASK_OPERATIONS);
        if (named != null && !named.equals(String.join(",", operations))) {
            throw new IllegalArgumentException("the mask is over operations [" + named + "], the job searches "
                    + operations);
        }
        return OperationMask.fromTensors(operations, state.tensors(), MASK);
    }

    /** The mask a client task carries in its payload, or null (the whole space) when it carries none. */
    static OperationMask mask(ClientTaskContext task) {
        if (task.payload() == null) {
            return null;
        }
        return OperationMask.fromTensors(supernetOptions(task.spec()).operationNames(),
                task.payload(), MASK);
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
        double value = HyperParameters.number(spec, key, fallback);
        if (!(value >= 0) || value != Math.rint(value)) {
            throw new IllegalArgumentException(key + " must be a whole number >= 0 (got " + value + ")");
        }
        return value;
    }

    /** The supernet's options for the job's input shape (the options map alone is for 1×28×28). */
    private static DartsOptions supernetOptions(JobSpec spec) {
        return DartsOptions.parse(spec.getModel().getOptions()).withInput(spec.getModel().getInputShape());
    }
}
