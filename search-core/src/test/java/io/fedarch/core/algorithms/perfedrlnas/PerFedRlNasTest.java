package io.fedarch.core.algorithms.perfedrlnas;

import io.fedarch.core.strategy.DeviceProfiles;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.BitSet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import io.fedarch.core.darts.DartsOptions;
import io.fedarch.core.darts.PathCost;
import io.fedarch.core.darts.PathSlices;
import io.fedarch.core.darts.SinglePath;
import io.fedarch.core.data.ClientShard;
import io.fedarch.core.data.ShardProvider;
import io.fedarch.core.federation.InProcessFederation;
import io.fedarch.core.federation.JobValidation;
import io.fedarch.core.strategy.StrategyRegistry;
import io.fedarch.core.strategy.ClientInstruction;
import io.fedarch.core.strategy.ClientOutcome;
import io.fedarch.core.strategy.ClientTaskContext;
import io.fedarch.core.strategy.RoundPlan;
import io.fedarch.core.strategy.SearchResult;
import io.fedarch.core.strategy.ServerState;
import io.fedarch.core.tensor.ModelParameters;
import io.fedarch.core.tensor.NamedTensor;
import io.fedarch.events.DataSpec;
import io.fedarch.events.JobSpec;
import io.fedarch.events.ModelSpec;
import io.fedarch.events.PartitionScheme;
import io.fedarch.events.PartitionSpec;

class PerFedRlNasTest {
    private final PerFedRlNas strategy = new PerFedRlNas();

    static JobSpec tiny(Map<String, String> hyperParameters) {
        return JobSpec.newBuilder()
                .setAlgorithm(PerFedRlNas.NAME)
                .setModel(ModelSpec.newBuilder().setFamily("darts").setOptions(Map.of("channels", "4", "layers", "3",
                        "stemStride", "2")).build())
                .setData(DataSpec.newBuilder().setTrainLimit(600).setTestLimit(300)
                        .setPartition(PartitionSpec.newBuilder().setScheme(PartitionScheme.DIRICHLET).setDirichletAlpha(0.3)
                                .setValidationFraction(0.25).build()).build())
                .setTotalClients(3).setClientsPerRound(3).setRounds(3).setLocalEpochs(1)
                .setBatchSize(32).setLearningRate(0.05).setMomentum(0.9).setWeightDecay(3e-4).setSeed(5)
                .setPersonalizationEpochs(1).setHyperParameters(hyperParameters)
                .build();
    }

    private ClientTaskContext task(JobSpec spec, int client, ClientInstruction instruction) {
        ShardProvider shards = ShardProvider.withDefaults();
        ClientShard shard = shards.shard(spec, client);
        return new ClientTaskContext(spec, 1, instruction.config(), instruction.payload(), strategy.initialize(spec),
                shard, () -> shards.localTestSet(spec, client));
    }

    /**
     * Training a path changes supernet entries on the path only: every other entry leaves bit-identical.
     * It runs on a thread of its own, as a worker's task does: libtorch's grad mode is per thread and on
     * in a new one, where an in-place update of a weight would fail unless the trainer turns it off.
     */
    @Test
    void aClientTrainsOnlyItsPathsEntries() throws Exception {
        JobSpec spec = tiny(Map.of());
        ServerState state = strategy.initialState(spec);
        ModelParameters global = strategy.initialize(spec);
        ClientInstruction instruction = strategy.instruct(spec, 1, 0, global, state);
        java.util.concurrent.ExecutorService fresh = java.util.concurrent.Executors.newSingleThreadExecutor();
        ClientOutcome outcome;
        try {
            outcome = fresh.submit(() -> strategy.clientProcedure().run(task(spec, 0, instruction))).get();
        } finally {
            fresh.shutdownNow();
        }
        DartsOptions options = PerFedRlNas.options(spec);
        SinglePath path = SinglePath.fromMetrics(options.operationNames(), outcome.custom());
        assertEquals(SinglePath.fromPayload(options.operationNames(), instruction.payload(), PerFedRlNas.PATH), path,
                "the client echoes the path it was sent");
        PathSlices slices = PathSlices.of(options, path);
        int changedOnPath = 0;
        for (NamedTensor before : global.tensors()) {
            float[] after = outcome.parameters().get(before.name()).values();
            BitSet rows = slices.rows(before.name());
            int rowSize = before.shape().length == 0 || before.shape()[0] == 0 ? 0 : before.size() / before.shape()[0];
            for (int k = 0; k < after.length; k++) {
                boolean same = Float.floatToRawIntBits(after[k]) == Float.floatToRawIntBits(before.values()[k]);
                if (!rows.get(k / rowSize)) {
                    assertTrue(same, before.name() + "[" + k + "] is off the path but changed");
                } else if (!same) {
                    changedOnPath++;
                }
            }
        }
        assertTrue(changedOnPath > 1000, "the path's entries were trained (" + changedOnPath + " changed)");
        assertEquals(1.0, outcome.custom().get(PerFedRlNasClient.TRAINED));
        assertTrue(outcome.custom().get(PerFedRlNasClient.REWARD_ACCURACY) > 0);
        assertEquals((double) PathCost.of(options, path).macs(), outcome.custom().get(PerFedRlNasClient.SUBNET_MACS));
    }

    /** A path whose estimated training memory exceeds the client's budget is not trained and earns accuracy 0. */
    @Test
    void aPathOverItsMemoryBudgetIsNotTrainedAndGetsZeroAccuracy() {
        JobSpec spec = tiny(Map.of("tierMemoryMB", "0.001"));
        ModelParameters global = strategy.initialize(spec);
        ClientInstruction instruction = strategy.instruct(spec, 1, 1, global, strategy.initialState(spec));
        ClientOutcome outcome = strategy.clientProcedure().run(task(spec, 1, instruction));
        assertEquals(0.0, outcome.custom().get(PerFedRlNasClient.TRAINED));
        assertEquals(1.0, outcome.custom().get(PerFedRlNasClient.OVER_BUDGET));
        assertEquals(0.0, outcome.custom().get(PerFedRlNasClient.REWARD_ACCURACY));
        assertEquals(0, outcome.steps());
        for (NamedTensor before : global.tensors()) {
            assertTrue(java.util.Arrays.equals(before.values(), outcome.parameters().get(before.name()).values()),
                    before.name() + " unchanged");
        }
        assertTrue(outcome.custom().get(PerFedRlNasClient.PEAK_MEMORY_BYTES)
                > outcome.custom().get(PerFedRlNasClient.MEMORY_BUDGET_BYTES));
    }

    @Test
    void jobsOutsideItsSpaceAreRefusedWithTheReason() {
        JobSpec cnn = tiny(Map.of());
        cnn.setModel(ModelSpec.newBuilder().setFamily("cnn").setOptions(Map.of()).build());
        assertTrue(assertThrows(IllegalArgumentException.class, () -> strategy.validate(cnn)).getMessage()
                .contains("darts"));
        JobSpec tiers = tiny(Map.of("tierMemoryMB", "8,16", "tierMacsPerSecond", "1e9,2e9,4e9"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> strategy.validate(tiers)).getMessage()
                .contains("tierMemoryMB"));
        // The declared list knob is checked where every job is: each value a positive number.
        JobSpec badList = tiny(Map.of("tierMemoryMB", "8,-1"));
        String message = assertThrows(RuntimeException.class,
                () -> JobValidation.validate(StrategyRegistry.builtIn(), badList)).getMessage();
        assertTrue(message.contains("tierMemoryMB='8,-1'") && message.contains("'-1'"), message);
        JobSpec goodList = tiny(Map.of("tierMemoryMB", "8, 16.5", "rewardSplit", "test", "fusion", "renormalised"));
        assertEquals(strategy.name(), JobValidation.validate(StrategyRegistry.builtIn(), goodList).name());
    }

    /**
     * Three rounds in process: every client trains its own sampled path every round, the policies
     * move, the personalization stage sends every client the arg-max path of its own policy, and the
     * search result carries the policy table.
     */
    @Test
    void aSmallFederationLearnsOnePolicyPerClient() {
        JobSpec spec = tiny(Map.of("tierMemoryMB", "4,8,1000"));
        ShardProvider shards = ShardProvider.withDefaults();
        InProcessFederation.Result result = new InProcessFederation(strategy, shards).run(spec, null, 0, null);
        assertEquals(3, result.rounds().size());
        ServerState initial = strategy.initialState(spec);
        assertNotEquals(initial.tensor("policy.normal"), result.lastState().tensor("policy.normal"));
        PolicyTable policies = PolicyTable.from(result.lastState(), 3, 8);
        for (int client = 0; client < 3; client++) {
            assertTrue(!Double.isNaN(policies.best(client)), "client " + client + " reported");
        }
        RoundPlan personalization = strategy.configurePersonalization(spec, result.model(), result.lastState());
        DartsOptions options = PerFedRlNas.options(spec);
        for (ClientInstruction instruction : personalization.instructions()) {
            int client = instruction.clientId();
            SinglePath sent = SinglePath.fromPayload(options.operationNames(), instruction.payload(), PerFedRlNas.PATH);
            assertEquals(PerFedRlNas.finalPath(spec, result.lastState(), client), sent);
            double budget = DeviceProfiles.of(spec, client).memoryBytes();
            if (PathCost.of(options, policies.argmax(client, options.operationNames())).peakTrainingBytes(32) <= budget) {
                assertEquals(policies.argmax(client, options.operationNames()), sent, "the arg-max fits: it is the path");
            }
        }
        SearchResult searchResult = strategy.afterSearch(spec, result.model(), result.lastState());
        Map<String, String> files = ((SearchResult.AsTrainedWithReports) searchResult).files();
        assertEquals(3 * 2 * 14 * 8 + 1, files.get("policies.csv").split("\n").length);
        assertTrue(files.get("policies.json").contains("\"argmaxPath\""));
        Map<String, Double> echoed = new HashMap<>(policies.argmax(2, options.operationNames()).toMetrics());
        var architecture = strategy.clientArchitecture(spec, 2, echoed).orElseThrow();
        assertTrue(architecture.json().contains("single-path"));
        assertTrue(architecture.svg().startsWith("<?xml"));
        assertTrue(architecture.macs() > 0 && architecture.parameters() > 0);
        System.out.println("personalized: " + result.personalized());
    }

    /**
     * The server side alone, with hand-made results: a result without its path is left out (the round
     * still aggregates the others), a trained result moves the supernet and its client's policy, an
     * untrained (over-budget) one moves neither the supernet nor the fusion's sample total.
     */
    @Test
    void aggregationFusesTrainedPathsAndStepsTheirPolicies() {
        JobSpec spec = tiny(Map.of());
        ModelParameters global = strategy.initialize(spec);
        ServerState state = strategy.initialState(spec);
        DartsOptions options = PerFedRlNas.options(spec);
        SinglePath path = SinglePath.fromPayload(options.operationNames(),
                strategy.instruct(spec, 1, 0, global, state).payload(), PerFedRlNas.PATH);
        List<NamedTensor> moved = new java.util.ArrayList<>();
        for (NamedTensor t : global.tensors()) {
            float[] values = t.values().clone();
            if (t.name().equals("classifier.bias")) {
                values[0] += 1f;
            }
            moved.add(new NamedTensor(t.name(), t.shape(), values));
        }
        Map<String, Double> custom = new HashMap<>(path.toMetrics());
        custom.put(PerFedRlNasClient.REWARD_ACCURACY, 0.6);
        custom.put(PerFedRlNasClient.TRAINED, 1.0);
        custom.put(PerFedRlNasClient.SUBNET_BYTES, 40_000.0);
        custom.put(PerFedRlNasClient.SIMULATED_COMPUTE_SECONDS, 1.0);
        custom.put(PerFedRlNasClient.PEAK_MEMORY_BYTES, 1e7);
        Map<String, Double> untrained = new HashMap<>(custom);
        untrained.put(PerFedRlNasClient.TRAINED, 0.0);
        untrained.put(PerFedRlNasClient.REWARD_ACCURACY, 0.0);
        var metrics = io.fedarch.events.ClientMetrics.newBuilder().setTrainLoss(1).setTrainAccuracy(0.5)
                .setValidationLoss(1).setValidationAccuracy(0.5).setGlobalValidationAccuracy(0.1).setValidationSamples(10)
                .setSteps(3).setComputeMs(100).setUpdateBytes(1);
        var results = List.of(
                new io.fedarch.core.strategy.ClientResult(ClientInstruction.of(0, Map.of()), 30,
                        new ModelParameters(moved), metrics.setCustom(custom).build()),
                new io.fedarch.core.strategy.ClientResult(ClientInstruction.of(1, Map.of()), 70, global,
                        metrics.setCustom(untrained).build()),
                io.fedarch.core.strategy.ClientResult.of(2, 50, global));
        var aggregated = strategy.aggregate(spec, 1, global, state, results);
        assertEquals(global.get("classifier.bias").values()[0] + 1f,
                aggregated.global().get("classifier.bias").values()[0], 1e-6,
                "the only trained client's delta counts in full: the untrained one is not in the sample total");
        PolicyTable policies = PolicyTable.from(aggregated.state(), 3, 8);
        assertEquals(0.6, policies.best(0), 1e-6);
        assertEquals(0.0, policies.best(1), 1e-6);
        assertTrue(Double.isNaN(policies.best(2)), "the result without a path was left out");
        assertEquals("2", aggregated.state().values().get(CommunicationTally.CLIENT_ROUNDS));
    }

    @Test
    void pathCostsGrowWithHeavierOperations() {
        DartsOptions options = DartsOptions.parse(Map.of("channels", "4", "layers", "3", "stemStride", "2"));
        List<String> ops = options.operationNames();
        int[] skip = new int[14];
        int[] sep = new int[14];
        java.util.Arrays.fill(skip, ops.indexOf("skip_connect"));
        java.util.Arrays.fill(sep, ops.indexOf("sep_conv_5x5"));
        PathCost light = PathCost.of(options, new SinglePath(ops, skip, skip));
        PathCost heavy = PathCost.of(options, new SinglePath(ops, sep, sep));
        assertTrue(heavy.parameters() > light.parameters() && heavy.macs() > light.macs()
                && heavy.peakTrainingBytes(32) > light.peakTrainingBytes(32));
        System.out.printf("skip path: %d params, %d MACs, %.2f MiB; sep5 path: %d params, %d MACs, %.2f MiB%n",
                light.parameters(), light.macs(), light.peakTrainingBytes(32) / 1048576.0, heavy.parameters(),
                heavy.macs(), heavy.peakTrainingBytes(32) / 1048576.0);
    }

    /**
     * The per-round figure users watch (the received supernet under each client's path on its validation
     * split) measures the model, not BN statistics averaged over clients and over the paths they trained.
     * Rounds 1-6 of this job printed 0.1152, 0.0417, 0.0317, 0.1503, 0.1786, 0.1018 before (below chance in
     * rounds 2 and 3; rounds 2-6 average 0.101) and, with statistics re-measured per client, 0.1035, 0.1219,
     * 0.1619, 0.1870, 0.2521, 0.2237 on an AMD machine with oneDNN capped at SSE4.1 (0.189), 0.1035, 0.1336,
     * 0.1119, 0.1937, 0.2270, 0.2037 on an Intel one capped likewise (0.174) and 0.1035, 0.1452, 0.0768,
     * 0.1987, 0.1152, 0.1903 on that Intel machine uncapped (0.145). Single rounds swing by ±0.06 with the
     * CPU's kernels (about 120 validation images per client), so the floor is on rounds 2-6 together.
     */
    @Test
    void thePerRoundGlobalValidationAccuracyRisesOnceTheSupernetHasTrained() {
        JobSpec spec = JobSpec.newBuilder(tiny(Map.of()))
                .setData(DataSpec.newBuilder().setTrainLimit(3000).setTestLimit(300)
                        .setPartition(PartitionSpec.newBuilder().setScheme(PartitionScheme.DIRICHLET).setDirichletAlpha(0.5)
                                .setValidationFraction(0.2).build()).build())
                .setTotalClients(5).setClientsPerRound(5).setRounds(6).setSeed(42).setPersonalizationEpochs(0).build();
        InProcessFederation.Result result = new InProcessFederation(strategy, ShardProvider.withDefaults())
                .run(spec, null, 0, null);
        System.out.println("per-round global validation accuracy: " + result.rounds().stream()
                .map(r -> String.format("%.4f", r.globalValidationAccuracy())).toList());
        double later = result.rounds().subList(1, 6).stream()
                .mapToDouble(InProcessFederation.RoundReport::globalValidationAccuracy).average().orElseThrow();
        assertTrue(later > 0.125, "mean global validation accuracy of rounds 2-6: " + later);
    }
}
