package io.fedarch.core.algorithms.superfednas;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.stream.IntStream;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.fedarch.core.algorithms.fedavg.FedAvg;
import io.fedarch.core.ofa.ElasticInitializer;
import io.fedarch.core.ofa.ElasticOptions;
import io.fedarch.core.ofa.ElasticResNetFamily;
import io.fedarch.core.ofa.SubnetConfig;
import io.fedarch.core.ofa.SubnetLayout;
import io.fedarch.core.ofa.SubnetsPerBudget;
import io.fedarch.core.strategy.Aggregated;
import io.fedarch.core.strategy.ClientInstruction;
import io.fedarch.core.strategy.ClientProcedure;
import io.fedarch.core.strategy.ClientResult;
import io.fedarch.core.strategy.ClientSelection;
import io.fedarch.core.strategy.HyperParameter;
import io.fedarch.core.strategy.HyperParameters;
import io.fedarch.core.strategy.RoundPlan;
import io.fedarch.core.strategy.SearchResult;
import io.fedarch.core.strategy.ServerState;
import io.fedarch.core.strategy.Strategy;
import io.fedarch.core.tensor.ModelParameters;
import io.fedarch.core.util.Seeds;
import io.fedarch.events.AggregationRule;
import io.fedarch.events.JobSpec;

/**
 * SuperFedNAS (Khare et al., ECCV 2024; reference: gatech-sysml/superfednas): the federation
 * co-trains one weight-shared elastic ResNet supernet ({@code ofa-resnet}), then picks a subnet per
 * MACs budget with no retraining.
 * <ul>
 * <li>Training rounds (the first rounds − evolutionGenerations): every selected client trains the
 * subnet {@link SubnetAssignment} gives it (Tracking-Sandwich by default, counters in the server
 * state); the server merges the subnets by {@link CoverageWeightedAggregation} with MaxNet's weights
 * ({@link MaxNetSchedule}: the largest subnet's client weighs β_t, cosine-decayed from 0.9 to 1/K over
 * betaDecayShare of the training rounds).</li>
 * <li>Selection rounds (the last evolutionGenerations rounds): a federated evolutionary search
 * ({@link EvolutionarySearch}) per budget. Every client scores the generation's candidates on its
 * validation split; the server weighs the accuracies by validation samples. The paper has clients
 * search locally, the reference code searches centrally on the test set; fedarch scores on the
 * clients' validation splits, so the search sees what the federation sees, the test set never
 * steers it, and one model per budget serves all clients.</li>
 * <li>After the search ({@link SubnetsPerBudget}): per budget the best scored subnet within it (without
 * a search: the largest canonical subnet within it), cut from the supernet; and the canonical subnets
 * for the accuracy-vs-MACs table.</li>
 * </ul>
 */
public final class SuperFedNas implements Strategy {
    public static final String NAME = "superfednas";
    /** Round config keys. */
    public static final String PHASE = "phase";
    public static final String TRAIN = "train";
    public static final String SELECT = "select";
    public static final String SUBNET = "subnet";
    public static final String ROLE = "role";
    public static final String CANDIDATES = "candidates";

    /** Knobs. */
    public static final String MACS_BUDGETS = "macsBudgets";
    public static final String SAMPLER = "sampler";
    public static final String STATIC_SUBNET = "staticSubnet";
    public static final String WEIGHTING = "weighting";
    public static final String BETA_START = "betaStart";
    public static final String BETA_END = "betaEnd";
    public static final String BETA_DECAY_SHARE = "betaDecayShare";
    public static final String WEIGHT_BY_SAMPLES = "weightBySamples";
    public static final String GRADIENT_CLIP = "gradientClip";
    public static final String GENERATIONS = "evolutionGenerations";
    public static final String POPULATION = "evolutionPopulation";
    public static final String PARENT_RATIO = "parentRatio";
    public static final String MUTATION_RATIO = "mutationRatio";
    public static final String MUTATE_PROBABILITY = "mutateProbability";
    public static final String CANONICAL_SUBNETS = "canonicalSubnets";

    static final int DEFAULT_CANONICAL = 5;
    private static final Logger LOG = LoggerFactory.getLogger(SuperFedNas.class);

    private final FedAvg basics = new FedAvg();
    private final SuperFedNasClient client = new SuperFedNasClient();

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public String description() {
        return "SuperFedNAS (Khare et al., 2024): clients co-train one elastic ResNet supernet (Tracking-Sandwich "
                + "subnets, MaxNet averaging), then a federated evolutionary search picks one subnet per MACs budget";
    }

    @Override
    public List<HyperParameter> hyperParameters() {
        return List.of(
                HyperParameter.positiveList(MACS_BUDGETS, "(required)",
                        "MACs budgets per image, one model each (e.g. 2e6,4e6,6e6,9e6); each at least the smallest subnet's"),
                HyperParameter.choice(SAMPLER, SubnetAssignment.TRACKING_SANDWICH, SubnetAssignment.SAMPLERS,
                        "which subnet each client trains: tracking-sandwich (the paper's), random, sandwich, or static "
                                + "(every client staticSubnet: iFedAvg)"),
                HyperParameter.wholeNumber(STATIC_SUBNET, "0", 0,
                        "canonical subnet index (0 = smallest) the static sampler trains"),
                HyperParameter.choice(WEIGHTING, MaxNetSchedule.COSINE, List.of(MaxNetSchedule.COSINE,
                        MaxNetSchedule.LINEAR, MaxNetSchedule.UNIFORM), "MaxNet's schedule of the largest subnet's weight β"),
                HyperParameter.number(BETA_START, "0.9", 0, 1, "β at the first round"),
                HyperParameter.number(BETA_END, "1/clientsPerRound", 0, 1, "β after the decay"),
                HyperParameter.number(BETA_DECAY_SHARE, "0.8", 0, 1, "share of the training rounds over which β decays"),
                HyperParameter.bool(WEIGHT_BY_SAMPLES, false, "multiply each client's weight by its share of the samples"),
                HyperParameter.positive(GRADIENT_CLIP, "1.0", "global L2 norm the clients clip every gradient to"),
                HyperParameter.wholeNumber(GENERATIONS, "4", 0,
                        "evolutionary search generations, one selection round each, taken from the job's last rounds"),
                HyperParameter.wholeNumber(POPULATION, "16", 2, "subnets per generation (the reference: 100)"),
                HyperParameter.number(PARENT_RATIO, "0.25", 0, 1, "share of the population kept as parents"),
                HyperParameter.number(MUTATION_RATIO, "0.5", 0, 1, "share of the children that are mutants"),
                HyperParameter.number(MUTATE_PROBABILITY, "0.1", 0, 1, "probability that a mutant resamples a gene"),
                HyperParameter.wholeNumber(CANONICAL_SUBNETS, Integer.toString(DEFAULT_CANONICAL), 2,
                        "canonical subnets, smallest to largest, in the accuracy-vs-MACs table"));
    }

    @Override
    public void validate(JobSpec spec) {
        List<String> problems = new ArrayList<>(basics.problems(spec));
        String family = spec.getModel().getFamily() == null ? "" : spec.getModel().getFamily().toLowerCase(Locale.ROOT);
        if (!family.equals(ElasticResNetFamily.NAME)) {
            problems.add(NAME + " trains the '" + ElasticResNetFamily.NAME + "' supernet (got family '"
                    + spec.getModel().getFamily() + "')");
        }
        if (spec.getRobustAggregation() != null && spec.getRobustAggregation().getRule() != AggregationRule.MEAN) {
            problems.add("robustAggregation " + spec.getRobustAggregation().getRule() + " does not apply: " + NAME
                    + " averages every element over the clients whose subnet contains it");
        }
        if (spec.getAsyncAggregation() != null) {
            problems.add(NAME + " runs synchronous rounds (its subnets are assigned per round); asyncAggregation is not defined for it");
        }
        if (spec.getPersonalizationEpochs() > 0) {
            problems.add(NAME + " delivers one model per MACs budget; personalizationEpochs must be 0");
        }
        if (problems.isEmpty()) {
            try {
                validateSettings(spec, problems);
            } catch (IllegalArgumentException e) {
                problems.add(e.getMessage());
            }
        }
        if (!problems.isEmpty()) {
            throw new IllegalArgumentException("invalid " + NAME + " job: " + String.join("; ", problems));
        }
    }

    /** Bounds on the sizes a job controls, so no spec makes the server loop or allocate without end. */
    static final int MAX_BUDGETS = 32;
    static final int MAX_POPULATION = 512;
    static final int MAX_CANONICAL = 64;

    private static void validateSettings(JobSpec spec, List<String> problems) {
        ElasticOptions options = options(spec);
        List<Long> budgets = budgets(spec);
        if (budgets.size() > MAX_BUDGETS || HyperParameters.number(spec, POPULATION, 16) > MAX_POPULATION
                || canonicalCount(spec) > MAX_CANONICAL) {
            problems.add("at most " + MAX_BUDGETS + " budgets, " + MAX_POPULATION + " subnets per generation and "
                    + MAX_CANONICAL + " canonical subnets");
            return;
        }
        long smallest = SubnetLayout.of(options, SubnetConfig.smallest(options)).macs();
        long largest = SubnetLayout.of(options, SubnetConfig.largest(options)).macs();
        if (budgets.isEmpty()) {
            problems.add(MACS_BUDGETS + " must list at least one MACs budget (this space's subnets cost " + smallest
                    + " to " + largest + " MACs)");
        }
        for (long b : budgets) {
            if (b < smallest) {
                problems.add("MACs budget " + b + " is below the smallest subnet's " + smallest + " MACs");
            }
        }
        String sampler = HyperParameters.choice(spec, SAMPLER, SubnetAssignment.TRACKING_SANDWICH);
        if ((sampler.equals(SubnetAssignment.TRACKING_SANDWICH) || sampler.equals(SubnetAssignment.SANDWICH))
                && spec.getClientsPerRound() < 2) {
            problems.add("sampler " + sampler + " hands out a largest and a smallest subnet: clientsPerRound must be >= 2");
        }
        int canonical = canonicalCount(spec);
        int staticIndex = (int) HyperParameters.number(spec, STATIC_SUBNET, 0);
        if (staticIndex >= SubnetConfig.canonical(options, canonical).size()) {
            problems.add(STATIC_SUBNET + " must be below the number of canonical subnets ("
                    + SubnetConfig.canonical(options, canonical).size() + ")");
        }
        EvolutionSettings evolution = evolution(spec);
        if (evolution.generations() >= spec.getRounds()) {
            problems.add(GENERATIONS + " (" + evolution.generations() + ") must be below rounds (" + spec.getRounds()
                    + "): the last rounds select, the ones before train");
        }
        if (evolution.generations() > 0 && !(spec.getData().getPartition().getValidationFraction() > 0)) {
            problems.add("the evolutionary search scores subnets on the clients' validation splits: validationFraction must be > 0");
        }
        schedule(spec);
    }

    /** The supernet, initialised from the job seed as OFA does ({@link ElasticInitializer}). */
    @Override
    public ModelParameters initialize(JobSpec spec) {
        return ElasticInitializer.initialize(spec.getModel(), spec.getSeed());
    }

    @Override
    public ServerState initialState(JobSpec spec) {
        return AssignmentCounters.none(spec.getTotalClients()).into(ServerState.EMPTY);
    }

    /** Training rounds: FedAvg's seeded draw; selection rounds: every client scores the candidates. */
    @Override
    public List<Integer> selectClients(JobSpec spec, int round) {
        if (selecting(spec, round)) {
            return IntStream.range(0, spec.getTotalClients()).boxed().toList();
        }
        return ClientSelection.seeded(spec.getTotalClients(), spec.getClientsPerRound(), spec.getSeed(), round);
    }

    @Override
    public RoundPlan configureRound(JobSpec spec, int round, ModelParameters global, ServerState state) {
        List<ClientInstruction> instructions = new ArrayList<>();
        if (selecting(spec, round)) {
            Map<String, String> config = selectionConfig(spec, round, state);
            for (int client : selectClients(spec, round)) {
                instructions.add(ClientInstruction.of(client, config));
            }
            return new RoundPlan(instructions);
        }
        for (SubnetAssignment.Assigned a : assignments(spec, round, state)) {
            instructions.add(ClientInstruction.of(a.clientId(), trainingConfig(spec, a)));
        }
        return new RoundPlan(instructions);
    }

    /** A selected client's instruction, or for a replacement a random subnet (not counted by Tracking-Sandwich). */
    @Override
    public ClientInstruction instruct(JobSpec spec, int round, int clientId, ModelParameters global, ServerState state) {
        if (selecting(spec, round)) {
            return ClientInstruction.of(clientId, selectionConfig(spec, round, state));
        }
        for (SubnetAssignment.Assigned a : assignments(spec, round, state)) {
            if (a.clientId() == clientId) {
                return ClientInstruction.of(clientId, trainingConfig(spec, a));
            }
        }
        ElasticOptions options = options(spec);
        return ClientInstruction.of(clientId, trainingConfig(spec, new SubnetAssignment.Assigned(clientId,
                SubnetAssignment.randomSubnet(options, spec.getSeed(), round, clientId), "replacement")));
    }

    @Override
    public Aggregated aggregate(JobSpec spec, int round, ModelParameters global, ServerState state,
                                List<ClientResult> results) {
        ServerState next = CostTally.add(state, results);
        return selecting(spec, round) ? score(spec, round, global, next, results) : merge(spec, round, global, next, results);
    }

    /** MaxNet: the coverage-weighted mean of the trained subnets, β_t for the largest subnet's client. */
    private Aggregated merge(JobSpec spec, int round, ModelParameters global, ServerState state,
                             List<ClientResult> results) {
        ElasticOptions options = options(spec);
        MaxNetSchedule schedule = schedule(spec);
        SubnetConfig max = SubnetConfig.largest(options);
        List<SubnetConfig> echoed = new ArrayList<>();
        List<ClientResult> kept = new ArrayList<>();
        for (ClientResult r : results) {
            try {
                echoed.add(SubnetConfig.fromMetrics(options, r.metrics() == null ? null : r.metrics().getCustom()));
                kept.add(r);
            } catch (IllegalArgumentException e) {
                // Without the subnet it trained, a result's coverage is unknown: the others still count.
                LOG.warn("job {} round {}: client {}'s update is left out: {}", spec.getName(), round, r.clientId(),
                        e.getMessage());
            }
        }
        int maxClient = -1;
        for (int i = 0; i < kept.size(); i++) {
            if (echoed.get(i).sameSubnet(max) && (maxClient < 0 || kept.get(i).clientId() < kept.get(maxClient).clientId())) {
                maxClient = i;
            }
        }
        boolean bySamples = HyperParameters.choice(spec, WEIGHT_BY_SAMPLES, "false").equals("true");
        double totalSamples = kept.stream().mapToDouble(ClientResult::sampleCount).sum();
        int clients = spec.getClientsPerRound();
        List<CoverageWeightedAggregation.Contribution> contributions = new ArrayList<>();
        for (int i = 0; i < kept.size(); i++) {
            double weight = schedule.weight(round - 1, i == maxClient, clients);
            if (bySamples) {
                weight *= kept.get(i).sampleCount() / totalSamples;
            }
            contributions.add(new CoverageWeightedAggregation.Contribution(echoed.get(i), kept.get(i).parameters(), weight));
        }
        ModelParameters merged = contributions.isEmpty() ? global
                : CoverageWeightedAggregation.aggregate(options, global, contributions);
        AssignmentCounters counters = AssignmentCounters.from(state, spec.getTotalClients())
                .after(options, assignments(spec, round, state));
        return new Aggregated(merged, counters.into(state));
    }

    /** A selection round: each candidate's accuracy, weighted by the clients' validation samples, into the archive. */
    private Aggregated score(JobSpec spec, int round, ModelParameters global, ServerState state,
                             List<ClientResult> results) {
        ElasticOptions options = options(spec);
        List<SubnetConfig> candidates = candidates(spec, round, state);
        double[] correct = new double[candidates.size()];
        double samples = 0;
        for (ClientResult r : results) {
            Map<String, Double> custom = r.metrics() == null ? Map.of() : r.metrics().getCustom();
            double n = custom.getOrDefault(SuperFedNasClient.FITNESS_SAMPLES, 0.0);
            boolean complete = IntStream.range(0, candidates.size())
                    .allMatch(i -> custom.containsKey(SuperFedNasClient.FITNESS_PREFIX + i));
            if (!complete || !(n > 0)) {
                LOG.warn("job {} round {}: client {} scored no candidates ({} validation images); left out", spec.getName(),
                        round, r.clientId(), n);
                continue;
            }
            for (int i = 0; i < candidates.size(); i++) {
                correct[i] += custom.get(SuperFedNasClient.FITNESS_PREFIX + i) * n;
            }
            samples += n;
        }
        if (samples == 0) {
            return new Aggregated(global, state);
        }
        List<EvolutionarySearch.Scored> scored = new ArrayList<>();
        for (int i = 0; i < candidates.size(); i++) {
            scored.add(new EvolutionarySearch.Scored(candidates.get(i), correct[i] / samples));
        }
        EvolutionArchive archive = EvolutionArchive.from(state, options).with(options, scored);
        LOG.info("job {} round {}: generation {} scored {} subnets on {} validation images; archive {}", spec.getName(),
                round, generation(spec, round), candidates.size(), (long) samples, archive.scored().size());
        return new Aggregated(global, archive.into(state));
    }

    /** Per budget the best scored subnet within it, cut from the supernet; the canonical subnets; the search's reports. */
    @Override
    public SearchResult afterSearch(JobSpec spec, ModelParameters finalModel, ServerState state) {
        ElasticOptions options = options(spec);
        EvolutionArchive archive = EvolutionArchive.from(state, options);
        List<SubnetConfig> canonical = SubnetConfig.canonical(options, canonicalCount(spec));
        List<SubnetsPerBudget.BudgetModel> models = new ArrayList<>();
        for (long budget : budgets(spec)) {
            List<EvolutionarySearch.Scored> best = EvolutionarySearch.parents(options, archive.all(), budget, 1);
            if (!best.isEmpty()) {
                models.add(new SubnetsPerBudget.BudgetModel(budget, SubnetsPerBudget.Subnet.cut(spec.getModel(), options,
                        best.get(0).subnet(), finalModel), best.get(0).fitness(),
                        "evolutionary search: best validation accuracy of " + archive.scored().size() + " scored subnets"));
                continue;
            }
            SubnetConfig fallback = canonical.get(0);
            for (SubnetConfig c : canonical) {
                if (EvolutionarySearch.fits(options, c, budget)) {
                    fallback = c;
                }
            }
            if (!EvolutionarySearch.fits(options, fallback, budget)) {
                fallback = SubnetConfig.smallest(options);
            }
            models.add(new SubnetsPerBudget.BudgetModel(budget, SubnetsPerBudget.Subnet.cut(spec.getModel(), options,
                    fallback, finalModel), Double.NaN, "no search: the largest canonical subnet within the budget"));
        }
        List<SubnetsPerBudget.Subnet> canonicalSubnets = canonical.stream()
                .map(c -> SubnetsPerBudget.Subnet.cut(spec.getModel(), options, c, finalModel)).toList();
        Map<String, String> files = new LinkedHashMap<>();
        files.put("evolution.csv", archiveCsv(options, archive));
        return new SubnetsPerBudget(models, canonicalSubnets, files, CostTally.figures(state, finalModel));
    }

    @Override
    public ClientProcedure clientProcedure() {
        return client;
    }

    // ---- settings and phases --------------------------------------------------------------------

    static ElasticOptions options(JobSpec spec) {
        return ElasticResNetFamily.options(spec.getModel());
    }

    /** The job's MACs budgets, in its order. */
    public static List<Long> budgets(JobSpec spec) {
        String text = spec.getHyperParameters() == null ? null : spec.getHyperParameters().get(MACS_BUDGETS);
        if (text == null || text.isBlank()) {
            return List.of();
        }
        return Arrays.stream(text.split(",")).map(String::trim).map(v -> (long) Math.floor(Double.parseDouble(v))).toList();
    }

    static double gradientClip(JobSpec spec) {
        return HyperParameters.number(spec, GRADIENT_CLIP, 1.0);
    }

    static int canonicalCount(JobSpec spec) {
        return (int) HyperParameters.number(spec, CANONICAL_SUBNETS, DEFAULT_CANONICAL);
    }

    static EvolutionSettings evolution(JobSpec spec) {
        return new EvolutionSettings((int) HyperParameters.number(spec, GENERATIONS, 4),
                (int) HyperParameters.number(spec, POPULATION, 16), HyperParameters.number(spec, PARENT_RATIO, 0.25),
                HyperParameters.number(spec, MUTATION_RATIO, 0.5), HyperParameters.number(spec, MUTATE_PROBABILITY, 0.1));
    }

    /** Rounds that train the supernet: the job's rounds less the selection rounds. */
    public static int trainingRounds(JobSpec spec) {
        return spec.getRounds() - evolution(spec).generations();
    }

    static MaxNetSchedule schedule(JobSpec spec) {
        int decay = (int) Math.round(HyperParameters.number(spec, BETA_DECAY_SHARE, 0.8) * trainingRounds(spec));
        return new MaxNetSchedule(HyperParameters.choice(spec, WEIGHTING, MaxNetSchedule.COSINE),
                HyperParameters.number(spec, BETA_START, 0.9),
                HyperParameters.number(spec, BETA_END, 1.0 / spec.getClientsPerRound()), decay);
    }

    static boolean selecting(JobSpec spec, int round) {
        return round > trainingRounds(spec);
    }

    /** 0-based generation of a selection round. */
    static int generation(JobSpec spec, int round) {
        return round - trainingRounds(spec) - 1;
    }

    /** The round's subnets, recomputed from the state the round started with (the same in configure and aggregate). */
    static List<SubnetAssignment.Assigned> assignments(JobSpec spec, int round, ServerState state) {
        ElasticOptions options = options(spec);
        List<Integer> selected = ClientSelection.seeded(spec.getTotalClients(), spec.getClientsPerRound(), spec.getSeed(),
                round);
        SubnetConfig staticSubnet = SubnetConfig.canonical(options, canonicalCount(spec))
                .get((int) HyperParameters.number(spec, STATIC_SUBNET, 0));
        return SubnetAssignment.assign(options, HyperParameters.choice(spec, SAMPLER, SubnetAssignment.TRACKING_SANDWICH),
                selected, AssignmentCounters.from(state, spec.getTotalClients()), spec.getSeed(), round, staticSubnet);
    }

    private static Map<String, String> trainingConfig(JobSpec spec, SubnetAssignment.Assigned a) {
        Map<String, String> config = new HashMap<>();
        config.put(PHASE, TRAIN);
        config.put(SUBNET, a.subnet().encode());
        config.put(ROLE, a.role());
        config.put(ClientInstruction.LEARNING_RATE, Double.toString(spec.getLearningRate()));
        return config;
    }

    private static Map<String, String> selectionConfig(JobSpec spec, int round, ServerState state) {
        List<SubnetConfig> candidates = candidates(spec, round, state);
        return Map.of(PHASE, SELECT, CANDIDATES, String.join("|", candidates.stream().map(SubnetConfig::encode).toList()));
    }

    /**
     * The generation's subnets to score, over all budgets, without repeats or subnets scored before:
     * per budget the first population (generation 0, or a budget whose archive has nothing within it)
     * or the children of the best scored subnets within it.
     */
    static List<SubnetConfig> candidates(JobSpec spec, int round, ServerState state) {
        ElasticOptions options = options(spec);
        EvolutionSettings settings = evolution(spec);
        EvolutionArchive archive = EvolutionArchive.from(state, options);
        int generation = generation(spec, round);
        Map<String, SubnetConfig> unique = new LinkedHashMap<>();
        List<Long> budgets = budgets(spec);
        for (int b = 0; b < budgets.size(); b++) {
            Random random = new Random(Seeds.derive(spec.getSeed(), 0xE7011L, generation, b));
            List<EvolutionarySearch.Scored> parents = EvolutionarySearch.parents(options, archive.all(), budgets.get(b),
                    settings.parents());
            List<SubnetConfig> proposed = parents.isEmpty()
                    ? EvolutionarySearch.initial(options, budgets.get(b), settings.population(), random)
                    : EvolutionarySearch.children(options, parents, budgets.get(b), settings, random);
            for (SubnetConfig c : proposed) {
                if (!archive.contains(options, c)) {
                    unique.putIfAbsent(EvolutionArchive.key(options, c), c);
                }
            }
        }
        return new ArrayList<>(unique.values());
    }

    static List<SubnetConfig> decodeCandidates(String text, ElasticOptions options) {
        if (text == null || text.isBlank()) {
            return List.of();
        }
        return Arrays.stream(text.split("\\|")).map(c -> SubnetConfig.decode(c).requireValid(options)).toList();
    }

    private static String archiveCsv(ElasticOptions options, EvolutionArchive archive) {
        StringBuilder out = new StringBuilder("validation_accuracy,macs,parameters,subnet\n");
        archive.all().stream().sorted((a, b) -> Double.compare(b.fitness(), a.fitness())).forEach(s -> {
            SubnetLayout layout = SubnetLayout.of(options, s.subnet());
            out.append(String.format(Locale.ROOT, "%.4f,%d,%d,%s%n", s.fitness(), layout.macs(), layout.parameters(),
                    s.subnet().encode()));
        });
        return out.toString();
    }
}
