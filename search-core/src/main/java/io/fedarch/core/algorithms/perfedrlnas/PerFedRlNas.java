package io.fedarch.core.algorithms.perfedrlnas;

import io.fedarch.core.strategy.DeviceProfiles;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Random;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.fedarch.core.algorithms.fedavg.FedAvg;
import io.fedarch.core.darts.DartsFamily;
import io.fedarch.core.darts.DartsOptions;
import io.fedarch.core.darts.PathCost;
import io.fedarch.core.darts.SinglePath;
import io.fedarch.core.darts.report.CellDiagram;
import io.fedarch.core.strategy.Aggregated;
import io.fedarch.core.strategy.ClientArchitecture;
import io.fedarch.core.strategy.ClientInstruction;
import io.fedarch.core.strategy.ClientProcedure;
import io.fedarch.core.strategy.ClientResult;
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
 * PerFedRLNAS (Yao &amp; Li, AAAI 2024; reference: plato {@code examples/model_search/pfedrlnas/DARTS}):
 * one shared DARTS supernet and, per client, a policy on the server ({@link PolicyTable}). Every
 * round each selected client gets a single path sampled from its own policy (its instruction's
 * payload) and trains only that path ({@link PerFedRlNasClient}); the server fuses the subnets back
 * into the supernet ({@link MaskedDeltaFusion}) and updates each reporting client's policy by
 * REINFORCE ({@link RoundRewards}): reward = accuracy − baseline − λ_time·(round time − fastest)
 * − λ_memory·(relative excess over the memory budget) − λ_conflict·(gradient-conflict ratio).
 * <p>
 * The output is one model per client: in the personalization stage every client fine-tunes the
 * arg-max path of its policy and measures it on its local test split; the pruning service publishes
 * it with that path as its architecture ({@link #clientArchitecture}). The shared supernet is the
 * job's global model, delivered as trained with the final policy table ({@link PolicyReport}).
 * <p>
 * Choices where the reference is silent or wrong (each a knob): the reward accuracy is the
 * validation split's (the reference's local-test reward is {@code rewardSplit: test}); round time
 * is simulated from the path's MACs and bytes on the client's device tier ({@link DeviceProfiles})
 * so it is deterministic on shared machines; the reduction cell's policy gradient uses its own
 * probabilities; a client whose path exceeds its memory budget does not train and is left out of
 * the fusion's sample total.
 */
public final class PerFedRlNas implements Strategy {
    public static final String NAME = "perfedrlnas";
    /** Payload prefix of a client's path (one-hot mask tables {@code path.normal}, {@code path.reduce}). */
    public static final String PATH = "path";
    public static final String MIN_LEARNING_RATE = "minLearningRate";
    public static final String ARCHITECT_LEARNING_RATE = "architectLearningRate";
    public static final String LAMBDA_TIME = "lambdaTime";
    public static final String LAMBDA_MEMORY = "lambdaMemory";
    public static final String LAMBDA_CONFLICT = "lambdaConflict";
    public static final String REWARD_SPLIT = "rewardSplit";
    public static final String TIME_SOURCE = "timeSource";
    public static final String FUSION = "fusion";
    public static final double DEFAULT_MIN_LEARNING_RATE = 0.001;
    public static final double DEFAULT_ARCHITECT_LEARNING_RATE = 0.5;
    public static final double DEFAULT_LAMBDA_TIME = 0.001;
    public static final double DEFAULT_LAMBDA_MEMORY = 0.5;

    private static final Logger LOG = LoggerFactory.getLogger(PerFedRlNas.class);

    private final FedAvg basics = new FedAvg();
    private final PerFedRlNasClient client = new PerFedRlNasClient();

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public String description() {
        return "PerFedRLNAS (Yao & Li, 2024): a per-client REINFORCE policy on the server samples each client's "
                + "single-path subnet of a shared DARTS supernet; masked delta fusion; one model per client";
    }

    @Override
    public List<HyperParameter> hyperParameters() {
        List<HyperParameter> knobs = new ArrayList<>(List.of(Strategy.personalizationLearningRate()));
        knobs.add(HyperParameter.positive(MIN_LEARNING_RATE, Double.toString(DEFAULT_MIN_LEARNING_RATE),
                "floor of the cosine w learning rate over all rounds x local epochs (at most learningRate)"));
        knobs.add(HyperParameter.positive(ARCHITECT_LEARNING_RATE, Double.toString(DEFAULT_ARCHITECT_LEARNING_RATE),
                "Adam learning rate of every client's policy logits (betas 0.5, 0.999)"));
        knobs.add(HyperParameter.number(LAMBDA_TIME, Double.toString(DEFAULT_LAMBDA_TIME), 0, Double.POSITIVE_INFINITY,
                "reward penalty per second of round time above the round's fastest client"));
        knobs.add(HyperParameter.number(LAMBDA_MEMORY, Double.toString(DEFAULT_LAMBDA_MEMORY), 0,
                Double.POSITIVE_INFINITY, "reward penalty per unit of relative excess of the path's estimated peak "
                        + "training memory over the client's budget ((memory - budget) / budget)"));
        knobs.add(HyperParameter.number(LAMBDA_CONFLICT, "0", 0, Double.POSITIVE_INFINITY,
                "reward penalty per unit of gradient-conflict ratio (the reference's lambda_neg; unused in its DARTS variant)"));
        knobs.add(HyperParameter.choice(REWARD_SPLIT, "validation", List.of("validation", "test"),
                "split whose accuracy the reward uses; test is the reference's choice and leaks test data into the search"));
        knobs.add(HyperParameter.choice(TIME_SOURCE, "simulated", List.of("simulated", "measured"),
                "round time: simulated (3 x path MACs x samples / device speed, plus 2 x path bytes / bandwidth) or "
                        + "measured compute time plus the same transfer time"));
        knobs.add(HyperParameter.choice(FUSION, "reference", List.of("reference", "renormalised"),
                "masked delta fusion: reference (each delta weighted by n_i / all fused samples) or renormalised "
                        + "(by the samples of the clients that trained the entry)"));
        knobs.add(HyperParameter.positiveList(DeviceProfiles.TIER_MEMORY_MB, "unlimited",
                "device tiers: training memory budget per tier in MiB (clients dealt to tiers by the job's seed)"));
        knobs.add(HyperParameter.positiveList(DeviceProfiles.TIER_SPEED, Double.toString(DeviceProfiles.DEFAULT_SPEED),
                "device tiers: compute speed per tier in MACs per second"));
        knobs.add(HyperParameter.positiveList(DeviceProfiles.TIER_BANDWIDTH,
                Double.toString(DeviceProfiles.DEFAULT_BANDWIDTH), "device tiers: link bandwidth per tier in bytes per second"));
        return knobs;
    }

    @Override
    public void validate(JobSpec spec) {
        List<String> problems = new ArrayList<>(basics.problems(spec));
        String family = spec.getModel().getFamily() == null ? "" : spec.getModel().getFamily().toLowerCase(Locale.ROOT);
        if (!family.equals(DartsFamily.NAME)) {
            problems.add(NAME + " samples subnets of the '" + DartsFamily.NAME + "' supernet (got family '"
                    + spec.getModel().getFamily() + "')");
        } else {
            problems.addAll(DartsFamily.fullChannelProblems(spec.getModel(), NAME));
        }
        if (spec.getRobustAggregation() != null && spec.getRobustAggregation().getRule() != AggregationRule.MEAN) {
            problems.add("robustAggregation " + spec.getRobustAggregation().getRule() + " does not apply: " + NAME
                    + " fuses subnet deltas entry by entry (masked delta fusion)");
        }
        try {
            if (!rewardOnTest(spec) && !(spec.getData().getPartition().getValidationFraction() > 0)) {
                problems.add("rewardSplit validation needs validationFraction > 0 (the reward is the accuracy on the "
                        + "client's validation split)");
            }
            double minLr = HyperParameters.number(spec, MIN_LEARNING_RATE, DEFAULT_MIN_LEARNING_RATE);
            if (!(minLr > 0 && minLr <= spec.getLearningRate())) {
                problems.add("minLearningRate must be in (0, learningRate] (got " + minLr + ")");
            }
            DeviceProfiles.tiers(spec);
        } catch (IllegalArgumentException e) {
            problems.add(e.getMessage());
        }
        if (!problems.isEmpty()) {
            throw new IllegalArgumentException("invalid " + NAME + " job: " + String.join("; ", problems));
        }
    }

    /** The supernet, initialised like DARTS from the job seed (its α is never trained). */
    @Override
    public ModelParameters initialize(JobSpec spec) {
        return basics.initialize(spec);
    }

    /** Every client's policy at 1e-3·N(0, 1), from the job seed. */
    @Override
    public ServerState initialState(JobSpec spec) {
        return PolicyTable.initial(spec.getTotalClients(), options(spec).operations().size(),
                Seeds.derive(spec.getSeed(), 0x9011C7L)).into(ServerState.EMPTY);
    }

    /** The client's own sample of its policy (seeded by job, round and client) and this round's learning rate. */
    @Override
    public ClientInstruction instruct(JobSpec spec, int round, int clientId, ModelParameters global, ServerState state) {
        DartsOptions options = options(spec);
        PolicyTable policies = PolicyTable.from(state, spec.getTotalClients(), options.operations().size());
        SinglePath path = policies.sample(clientId, options.operationNames(),
                new Random(Seeds.derive(spec.getSeed(), round, clientId, 0x5A3E)));
        return new ClientInstruction(clientId, Map.of(ClientInstruction.LEARNING_RATE,
                Double.toString(learningRate(spec, round, 0))), path.toPayload(PATH));
    }

    /**
     * The reference's cosine over the whole federation's epochs: η(r, e) = η_min + (η_0 − η_min)·½(1 +
     * cos(π((r−1)·E + e)/(R·E))) for round r of R, local epoch e (0-based) of E.
     */
    public static double learningRate(JobSpec spec, int round, int epoch) {
        double minimum = HyperParameters.number(spec, MIN_LEARNING_RATE, DEFAULT_MIN_LEARNING_RATE);
        double total = (double) spec.getRounds() * Math.max(1, spec.getLocalEpochs());
        double t = (round - 1.0) * Math.max(1, spec.getLocalEpochs()) + epoch;
        return minimum + (spec.getLearningRate() - minimum) * 0.5 * (1 + Math.cos(Math.PI * t / total));
    }

    /** Masked delta fusion of the trained subnets, then one REINFORCE step of every reporting client's policy. */
    @Override
    public Aggregated aggregate(JobSpec spec, int round, ModelParameters global, ServerState state,
                                List<ClientResult> results) {
        DartsOptions options = options(spec);
        PolicyTable policies = PolicyTable.from(state, spec.getTotalClients(), options.operations().size());
        List<RoundRewards.Report> reports = new ArrayList<>();
        List<MaskedDeltaFusion.Contribution> contributions = new ArrayList<>();
        List<Integer> fusedIndex = new ArrayList<>();
        for (ClientResult result : results) {
            RoundRewards.Report report;
            try {
                report = RoundRewards.Report.of(spec, options, result);
            } catch (IllegalArgumentException e) {
                // A result without its path or reward inputs cannot be fused or rewarded; the others still count.
                LOG.warn("job {} round {}: client {}'s result is left out of fusion and policy step: {}",
                        spec.getName(), round, result.clientId(), e.getMessage());
                continue;
            }
            if (report.trained()) {
                fusedIndex.add(reports.size());
                contributions.add(new MaskedDeltaFusion.Contribution(result.parameters(), result.sampleCount()));
            }
            reports.add(report);
        }
        ModelParameters next = global;
        double[] conflicts = new double[reports.size()];
        if (!contributions.isEmpty()) {
            MaskedDeltaFusion.Fused fused = MaskedDeltaFusion.fuse(global, contributions,
                    "renormalised".equals(HyperParameters.choice(spec, FUSION, "reference")));
            next = fused.supernet();
            for (int i = 0; i < fusedIndex.size(); i++) {
                conflicts[fusedIndex.get(i)] = fused.conflictRatios()[i];
            }
        }
        RoundRewards.apply(spec, policies, reports, conflicts);
        return new Aggregated(next, CommunicationTally.add(policies.into(state), reports));
    }

    /** Every client fine-tunes its final path: the arg-max of its own policy, fitted to its memory budget. */
    @Override
    public RoundPlan configurePersonalization(JobSpec spec, ModelParameters global, ServerState state) {
        RoundPlan plan = Strategy.super.configurePersonalization(spec, global, state);
        return new RoundPlan(plan.instructions().stream().map(i -> new ClientInstruction(i.clientId(), i.config(),
                finalPath(spec, state, i.clientId()).toPayload(PATH))).toList());
    }

    /** The client's final path: the arg-max of its policy, or if that exceeds its memory budget, {@link BudgetFit}'s. */
    public static SinglePath finalPath(JobSpec spec, ServerState state, int clientId) {
        DartsOptions options = options(spec);
        PolicyTable policies = PolicyTable.from(state, spec.getTotalClients(), options.operations().size());
        return BudgetFit.fit(policies, clientId, options, DeviceProfiles.of(spec, clientId).memoryBytes(),
                spec.getBatchSize());
    }

    /** The supernet as trained, with every client's final policy as a table. */
    @Override
    public SearchResult afterSearch(JobSpec spec, ModelParameters finalModel, ServerState state) {
        DartsOptions options = options(spec);
        PolicyTable policies = PolicyTable.from(state, spec.getTotalClients(), options.operations().size());
        return new SearchResult.AsTrainedWithReports(PolicyReport.files(spec, options, policies),
                CommunicationTally.figures(state, finalModel));
    }

    /** The single path the client echoed with its personalized model, its cost, and a picture of its cells. */
    @Override
    public Optional<ClientArchitecture> clientArchitecture(JobSpec spec, int clientId, Map<String, Double> reported) {
        DartsOptions options = options(spec);
        SinglePath path = SinglePath.fromMetrics(options.operationNames(), reported);
        PathCost cost = PathCost.of(options, path);
        Map<String, Object> details = new HashMap<>();
        details.put("deviceTier", DeviceProfiles.of(spec, clientId).tier());
        details.put("subnetBytes", cost.bytes());
        details.put("peakTrainingMemoryBytes", cost.peakTrainingBytes(spec.getBatchSize()));
        details.put("note", "model.safetensors holds the supernet state; the path reads only its own slices "
                + "(load it into the darts supernet with the path's one-hot mask); model.onnx is the path alone");
        return Optional.of(new ClientArchitecture(path.toJson(),
                CellDiagram.svg(path), cost.parameters(), cost.macs(), details, null, path.toMask()));
    }

    @Override
    public ClientProcedure clientProcedure() {
        return client;
    }

    static DartsOptions options(JobSpec spec) {
        return DartsFamily.options(spec.getModel());
    }

    static boolean rewardOnTest(JobSpec spec) {
        return "test".equals(HyperParameters.choice(spec, REWARD_SPLIT, "validation"));
    }

    static boolean measuredTime(JobSpec spec) {
        return "measured".equals(HyperParameters.choice(spec, TIME_SOURCE, "simulated"));
    }

}
