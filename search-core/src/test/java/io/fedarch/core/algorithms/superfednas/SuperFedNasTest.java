package io.fedarch.core.algorithms.superfednas;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

import org.junit.jupiter.api.Test;

import io.fedarch.core.data.ShardProvider;
import io.fedarch.core.federation.InProcessFederation;
import io.fedarch.core.ofa.ElasticOptions;
import io.fedarch.core.ofa.SubnetConfig;
import io.fedarch.core.ofa.SubnetLayout;
import io.fedarch.core.ofa.SubnetsPerBudget;
import io.fedarch.core.strategy.ClientInstruction;
import io.fedarch.core.strategy.ClientResult;
import io.fedarch.core.strategy.RoundPlan;
import io.fedarch.core.strategy.SearchResult;
import io.fedarch.core.strategy.ServerState;
import io.fedarch.core.tensor.ModelParameters;
import io.fedarch.core.tensor.NamedTensor;
import io.fedarch.events.ClientMetrics;
import io.fedarch.events.DataSpec;
import io.fedarch.events.JobSpec;
import io.fedarch.events.ModelSpec;
import io.fedarch.events.PartitionScheme;
import io.fedarch.events.PartitionSpec;

class SuperFedNasTest {
    private final SuperFedNas strategy = new SuperFedNas();

    static JobSpec tiny(Map<String, String> hyperParameters) {
        Map<String, String> knobs = new HashMap<>(Map.of("macsBudgets", "2e6,5e6", "evolutionGenerations", "1"));
        knobs.putAll(hyperParameters);
        return JobSpec.newBuilder()
                .setAlgorithm(SuperFedNas.NAME)
                .setModel(ModelSpec.newBuilder().setFamily("ofa-resnet").setOptions(Map.of()).build())
                .setData(DataSpec.newBuilder().setTrainLimit(600).setTestLimit(300)
                        .setPartition(PartitionSpec.newBuilder().setScheme(PartitionScheme.DIRICHLET).setDirichletAlpha(0.5)
                                .setValidationFraction(0.25).build()).build())
                .setTotalClients(4).setClientsPerRound(3).setRounds(4).setLocalEpochs(1)
                .setBatchSize(32).setLearningRate(0.1).setMomentum(0).setWeightDecay(0).setSeed(5)
                .setPersonalizationEpochs(0).setHyperParameters(knobs)
                .build();
    }

    /** Two clients: element 0 of a tensor only the largest subnet covers, element 1 both cover — by hand. */
    @Test
    void maxNetAggregationIsTheWeightedMeanOverTheCoveringClients() {
        ElasticOptions o = ElasticOptions.DEFAULTS;
        SubnetConfig max = SubnetConfig.largest(o);
        SubnetConfig min = SubnetConfig.smallest(o);
        // Classifier weight [10, 64]: the smallest subnet covers its first 64 input columns too (widths are not
        // elastic here), so use a conv: stage 3's conv1 has 64 mid channels at ratio 1.0, 26 at 0.4.
        String name = "stages.3.blocks.0.conv1.weight";
        ModelParameters global = constant(o, 0f);
        ModelParameters fromMax = constant(o, 10f);
        ModelParameters fromMin = constant(o, 4f);
        double beta = 0.75;
        ModelParameters merged = CoverageWeightedAggregation.aggregate(o, global, List.of(
                new CoverageWeightedAggregation.Contribution(max, fromMax, beta),
                new CoverageWeightedAggregation.Contribution(min, fromMin, 1 - beta)));
        NamedTensor conv = merged.get(name);
        int perRow = conv.size() / conv.shape()[0];
        // Row 0 (mid channel 0, input channel 0): both subnets contain it → (0.75·10 + 0.25·4) / 1.0 = 8.5
        assertEquals(8.5f, conv.values()[0], 1e-6);
        // Row 40 (mid channel 40 ≥ 26): only the largest contains it → exactly its value
        assertEquals(10f, conv.values()[40 * perRow], 1e-6);
        // A block the smallest subnet does not run: only the largest's value
        assertEquals(10f, merged.get("stages.3.blocks.2.conv2.weight").values()[0], 1e-6);
        // Nobody covers anything: every element keeps its value
        ModelParameters untouched = CoverageWeightedAggregation.aggregate(o, global, List.of(
                new CoverageWeightedAggregation.Contribution(min, fromMin, 1)));
        assertEquals(0f, untouched.get(name).values()[40 * perRow]);
        assertEquals(4f, untouched.get(name).values()[0]);
    }

    @Test
    void oneClientTrainingTheLargestSubnetReproducesFedAvg() {
        ElasticOptions o = ElasticOptions.DEFAULTS;
        ModelParameters global = constant(o, 1f);
        ModelParameters update = constant(o, 3f);
        ModelParameters merged = CoverageWeightedAggregation.aggregate(o, global, List.of(
                new CoverageWeightedAggregation.Contribution(SubnetConfig.largest(o), update, 1)));
        for (NamedTensor t : merged.tensors()) {
            for (float v : t.values()) {
                assertEquals(3f, v);
            }
        }
    }

    @Test
    void betaScheduleRunsFromStartToEndAndStays() {
        MaxNetSchedule cosine = new MaxNetSchedule(MaxNetSchedule.COSINE, 0.9, 0.125, 32);
        assertEquals(0.9, cosine.beta(0), 1e-12);
        assertEquals(0.125, cosine.beta(32), 1e-12);
        assertEquals(0.125, cosine.beta(40), 1e-12);
        assertEquals((0.9 + 0.125) / 2, cosine.beta(16), 1e-12, "cosine midpoint");
        MaxNetSchedule linear = new MaxNetSchedule(MaxNetSchedule.LINEAR, 0.9, 0.1, 8);
        assertEquals(0.5, linear.beta(4), 1e-12);
        assertEquals(0.1, linear.beta(9), 1e-12);
        assertEquals(0.9, cosine.weight(0, true, 4), 1e-12);
        assertEquals(0.1 / 3, cosine.weight(0, false, 4), 1e-12);
        MaxNetSchedule uniform = new MaxNetSchedule(MaxNetSchedule.UNIFORM, 0.9, 0.125, 32);
        assertEquals(1.0, uniform.weight(0, true, 4));
        assertEquals(1.0, uniform.weight(0, false, 4));
    }

    @Test
    void trackingSandwichGivesTheLargestToTheLeastServedClientAndBalancesOverRounds() {
        ElasticOptions o = ElasticOptions.DEFAULTS;
        AssignmentCounters counters = new AssignmentCounters(new float[] {3, 1, 2, 1}, new float[] {0, 2, 5, 1});
        List<SubnetAssignment.Assigned> round = SubnetAssignment.assign(o, SubnetAssignment.TRACKING_SANDWICH,
                List.of(0, 1, 2, 3), counters, 7, 1, null);
        // Client 1 and 3 have the fewest largest (1): the tie goes to the lower id.
        assertEquals(SubnetConfig.largest(o), byClient(round, 1).subnet());
        // Among the rest, client 0 has the fewest smallest.
        assertEquals(SubnetConfig.smallest(o), byClient(round, 0).subnet());
        assertEquals("random", byClient(round, 2).role());
        assertEquals(1, round.stream().filter(a -> a.role().equals("largest")).count());
        assertEquals(1, round.stream().filter(a -> a.role().equals("smallest")).count());

        // Over rounds with everyone selected, each client gets the largest subnet equally often.
        AssignmentCounters running = AssignmentCounters.none(4);
        for (int r = 1; r <= 8; r++) {
            List<SubnetAssignment.Assigned> assigned = SubnetAssignment.assign(o, SubnetAssignment.TRACKING_SANDWICH,
                    List.of(0, 1, 2, 3), running, 7, r, null);
            running = running.after(o, assigned);
        }
        for (int c = 0; c < 4; c++) {
            assertTrue(running.largest()[c] >= 2, "client " + c + " got the largest " + running.largest()[c] + " times");
        }
    }

    @Test
    void evolutionNeverProposesASubnetOverItsBudget() {
        ElasticOptions o = ElasticOptions.parse(Map.of("kernels", "3,5"));
        Random random = new Random(1);
        for (long budget : new long[] {1_500_000, 3_000_000, 8_000_000}) {
            List<SubnetConfig> population = EvolutionarySearch.initial(o, budget, 20, random);
            List<EvolutionarySearch.Scored> scored = new ArrayList<>();
            for (SubnetConfig c : population) {
                assertTrue(SubnetLayout.of(o, c).macs() <= budget);
                scored.add(new EvolutionarySearch.Scored(c, random.nextDouble()));
            }
            List<EvolutionarySearch.Scored> parents = EvolutionarySearch.parents(o, scored, budget, 5);
            assertEquals(5, parents.size());
            assertTrue(parents.get(0).fitness() >= parents.get(4).fitness());
            for (SubnetConfig child : EvolutionarySearch.children(o, parents, budget,
                    new EvolutionSettings(3, 20, 0.25, 0.5, 0.1), random)) {
                assertTrue(SubnetLayout.of(o, child).macs() <= budget, child + " over " + budget);
            }
        }
        assertThrows(IllegalArgumentException.class, () -> EvolutionarySearch.initial(o, 1000, 4, random));
    }

    @Test
    void badJobsAreRefusedWithReasons() {
        strategy.validate(tiny(Map.of()));
        String tooSmall = assertThrows(IllegalArgumentException.class,
                () -> strategy.validate(tiny(Map.of("macsBudgets", "1e5")))).getMessage();
        assertTrue(tooSmall.contains("below the smallest subnet"), tooSmall);
        String none = assertThrows(IllegalArgumentException.class,
                () -> strategy.validate(JobSpec.newBuilder(tiny(Map.of())).setHyperParameters(Map.of()).build())).getMessage();
        assertTrue(none.contains("macsBudgets"), none);
        String generations = assertThrows(IllegalArgumentException.class,
                () -> strategy.validate(tiny(Map.of("evolutionGenerations", "4")))).getMessage();
        assertTrue(generations.contains("below rounds"), generations);
        String family = assertThrows(IllegalArgumentException.class, () -> strategy.validate(JobSpec.newBuilder(tiny(Map.of()))
                .setModel(ModelSpec.newBuilder().setFamily("cnn").setOptions(Map.of()).build()).build())).getMessage();
        assertTrue(family.contains("ofa-resnet"), family);
        String huge = assertThrows(IllegalArgumentException.class,
                () -> strategy.validate(tiny(Map.of("evolutionPopulation", "1000000000")))).getMessage();
        assertTrue(huge.contains("at most"), huge);
    }

    /** A whole job in one JVM: training rounds assign and count subnets, selection rounds fill the archive, one model per budget. */
    @Test
    void aJobTrainsTheSupernetSearchesAndDeliversOneSubnetPerBudget() {
        JobSpec spec = tiny(Map.of("evolutionGenerations", "2", "evolutionPopulation", "4", "canonicalSubnets", "3"));
        ModelParameters initial = strategy.initialize(spec);
        RoundPlan first = strategy.configureRound(spec, 1, initial, strategy.initialState(spec));
        assertEquals(3, first.clients().size());
        assertEquals(1, first.instructions().stream().filter(i -> i.config().get("role").equals("largest")).count());
        RoundPlan selection = strategy.configureRound(spec, 3, initial, strategy.initialState(spec));
        assertEquals(4, selection.clients().size(), "every client scores the candidates");

        InProcessFederation.Result result = new InProcessFederation(strategy, ShardProvider.withDefaults())
                .run(spec, null, 0, null);
        assertEquals(4, result.rounds().size());
        AssignmentCounters counters = AssignmentCounters.from(result.lastState(), 4);
        assertEquals(2, sum(counters.largest()), "one largest per training round");
        EvolutionArchive archive = EvolutionArchive.from(result.lastState(), ElasticOptions.DEFAULTS);
        assertTrue(archive.scored().size() >= 4, "archive " + archive.scored().size());
        assertNotEquals(initial.get("classifier.weight"), result.model().get("classifier.weight"));

        SearchResult after = strategy.afterSearch(spec, result.model(), result.lastState());
        SubnetsPerBudget perBudget = (SubnetsPerBudget) after;
        assertEquals(2, perBudget.budgets().size());
        for (SubnetsPerBudget.BudgetModel model : perBudget.budgets()) {
            assertTrue(model.subnet().macs() <= model.budgetMacs(), model.subnet().macs() + " > " + model.budgetMacs());
            assertTrue(model.validationAccuracy() >= 0 && model.validationAccuracy() <= 1);
            assertEquals(model.subnet().parameters(), model.subnet().weights().elementCount());
        }
        assertEquals(3, perBudget.canonical().size());
        assertTrue(perBudget.metrics().get("clientTrainingMacs") > 0);
        assertTrue(perBudget.files().get("evolution.csv").lines().count() > 4);
    }

    @Test
    void aResultWithoutItsSubnetIsLeftOutAndTheOthersStillCount() {
        JobSpec spec = tiny(Map.of());
        ElasticOptions o = ElasticOptions.DEFAULTS;
        ModelParameters global = constant(o, 0f);
        ServerState state = strategy.initialState(spec);
        ClientResult echoed = new ClientResult(ClientInstruction.of(0, Map.of()), 10, constant(o, 2f),
                metrics(SubnetConfig.largest(o).toMetrics()));
        ClientResult silent = new ClientResult(ClientInstruction.of(1, Map.of()), 10, constant(o, 100f), metrics(Map.of()));
        ModelParameters merged = strategy.aggregate(spec, 1, global, state, List.of(echoed, silent)).global();
        assertEquals(2f, merged.get("classifier.weight").values()[0], 1e-6);
    }

    private static ClientMetrics metrics(Map<String, Double> custom) {
        return ClientMetrics.newBuilder().setTrainLoss(0).setTrainAccuracy(0).setValidationLoss(0).setValidationAccuracy(0)
                .setGlobalValidationAccuracy(0).setValidationSamples(0).setSteps(0).setComputeMs(0).setUpdateBytes(0)
                .setCustom(custom).build();
    }

    private static SubnetAssignment.Assigned byClient(List<SubnetAssignment.Assigned> assigned, int client) {
        return assigned.stream().filter(a -> a.clientId() == client).findFirst().orElseThrow();
    }

    private static double sum(float[] values) {
        double s = 0;
        for (float v : values) {
            s += v;
        }
        return s;
    }

    private static ModelParameters constant(ElasticOptions o, float value) {
        JobSpec spec = tiny(Map.of());
        ModelParameters shape = new SuperFedNas().initialize(spec);
        return new ModelParameters(shape.tensors().stream().map(t -> {
            float[] v = new float[t.size()];
            java.util.Arrays.fill(v, value);
            return new NamedTensor(t.name(), t.shape(), v);
        }).toList());
    }

    /**
     * With real BN (option bn), the per-round figure (the received subnet on each client's validation split)
     * measures the model, not statistics averaged over clients that trained other subnets on other data:
     * this job printed 0.0868, 0.1068, 0.1536, 0.1586, 0.4240, 0.4942 before and 0.0851, 0.1352, 0.2972,
     * 0.3756, 0.4441, 0.4942 with statistics re-measured per client (the last round scores candidates).
     */
    @Test
    void withBatchNormThePerRoundGlobalValidationAccuracyMeasuresTheModel() {
        JobSpec spec = JobSpec.newBuilder(tiny(Map.of()))
                .setModel(ModelSpec.newBuilder().setFamily("ofa-resnet").setOptions(Map.of("bn", "true")).build())
                .setData(DataSpec.newBuilder().setTrainLimit(3000).setTestLimit(300)
                        .setPartition(PartitionSpec.newBuilder().setScheme(PartitionScheme.DIRICHLET).setDirichletAlpha(0.5)
                                .setValidationFraction(0.2).build()).build())
                .setTotalClients(5).setClientsPerRound(5).setRounds(6).setMomentum(0.9).setSeed(42).build();
        InProcessFederation.Result result = new InProcessFederation(strategy, ShardProvider.withDefaults())
                .run(spec, null, 0, null);
        double early = result.rounds().subList(1, 4).stream()
                .mapToDouble(InProcessFederation.RoundReport::globalValidationAccuracy).average().orElseThrow();
        assertTrue(early > 0.2, "mean global validation accuracy of rounds 2-4: " + early);
    }
}
