package io.fedarch.core.algorithms.metadnas;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

import org.junit.jupiter.api.Test;

import io.fedarch.core.algorithms.fednas.FedNas;
import io.fedarch.core.darts.DartsFamily;
import io.fedarch.core.darts.DerivedFamily;
import io.fedarch.core.darts.SearchNetwork;
import io.fedarch.core.data.ClientShard;
import io.fedarch.core.data.ShardProvider;
import io.fedarch.core.federation.InProcessFederation;
import io.fedarch.core.federation.InputRejectedException;
import io.fedarch.core.federation.JobValidation;
import io.fedarch.core.model.ModelInitializer;
import io.fedarch.core.model.ModelSummary;
import io.fedarch.core.strategy.ClientArchitecture;
import io.fedarch.core.strategy.ClientInstruction;
import io.fedarch.core.strategy.ClientResult;
import io.fedarch.core.strategy.ClientTaskContext;
import io.fedarch.core.strategy.Personalization;
import io.fedarch.core.strategy.RoundPlan;
import io.fedarch.core.strategy.ServerState;
import io.fedarch.core.strategy.StrategyRegistry;
import io.fedarch.core.tensor.ModelParameters;
import io.fedarch.core.tensor.NamedTensor;
import io.fedarch.events.AsyncAggregation;
import io.fedarch.events.DataSpec;
import io.fedarch.events.JobSpec;
import io.fedarch.events.ModelSpec;
import io.fedarch.events.PartitionScheme;
import io.fedarch.events.PartitionSpec;

/** The meta-learner's update against FedNAS, held-out clients, and a small federation end to end. */
class MetaDnasTest {
    private final MetaDnas strategy = new MetaDnas();

    static JobSpec tiny(Map<String, String> hyperParameters) {
        return JobSpec.newBuilder()
                .setAlgorithm(MetaDnas.NAME)
                .setModel(ModelSpec.newBuilder().setFamily("darts").setOptions(Map.of("channels", "4", "layers", "3",
                        "stemStride", "2")).build())
                .setData(DataSpec.newBuilder().setTrainLimit(450).setTestLimit(300)
                        .setPartition(PartitionSpec.newBuilder().setScheme(PartitionScheme.DIRICHLET).setDirichletAlpha(0.5)
                                .setValidationFraction(0.3).build()).build())
                .setTotalClients(3).setClientsPerRound(2).setRounds(2).setLocalEpochs(1)
                .setBatchSize(32).setLearningRate(0.025).setMomentum(0.9).setWeightDecay(3e-4).setSeed(11)
                .setArchLearningRate(0.01).setPersonalizationEpochs(1).setHyperParameters(hyperParameters)
                .build();
    }

    /** Three clients' "adapted" supernets: the global one plus seeded noise, with unequal sample counts. */
    private static List<ClientResult> adapted(ModelParameters global, double scale) {
        List<ClientResult> results = new ArrayList<>();
        for (int client = 0; client < 3; client++) {
            Random random = new Random(100 + client);
            List<NamedTensor> tensors = new ArrayList<>();
            for (NamedTensor t : global.tensors()) {
                float[] values = t.values().clone();
                for (int i = 0; i < values.length; i++) {
                    values[i] += (float) (scale * random.nextGaussian());
                    if (MetaDnas.isStatistic(t.name()) && t.name().endsWith("var")) {
                        values[i] = Math.abs(values[i]);
                    }
                }
                tensors.add(new NamedTensor(t.name(), t.shape().clone(), values));
            }
            results.add(ClientResult.of(client, 17 + 13L * client, new ModelParameters(tensors)));
        }
        return results;
    }

    /** The sanity anchor of the spec: Reptile with plain SGD at learning rate 1 is FedNAS's averaging, bit for bit. */
    @Test
    void sgdAtRateOneIsFedNasBitForBit() {
        JobSpec spec = tiny(Map.of(MetaDnas.META_OPTIMIZER, "sgd", MetaDnas.META_LEARNING_RATE, "1"));
        JobValidation.validate(new StrategyRegistry(strategy), spec);
        ModelParameters global = strategy.initialize(spec);
        List<ClientResult> results = adapted(global, 0.05);
        ModelParameters meta = strategy.aggregate(spec, 1, global, ServerState.EMPTY, results).global();
        ModelParameters fednas = new FedNas().aggregate(spec, 1, global, ServerState.EMPTY, results).global();
        assertEquals(fednas.tensors().size(), meta.tensors().size());
        for (NamedTensor t : fednas.tensors()) {
            assertArrayEquals(t.values(), meta.get(t.name()).values(), t.name());
        }
        // A smaller rate moves Θ part of the way, and only α when w is averaged instead of meta-learned.
        ModelParameters half = strategy.aggregate(tiny(Map.of(MetaDnas.META_OPTIMIZER, "sgd",
                MetaDnas.META_LEARNING_RATE, "0.5", MetaDnas.META_LEARN_WEIGHTS, "false")), 1, global,
                ServerState.EMPTY, results).global();
        float theta = global.get(SearchNetwork.ALPHA_NORMAL).values()[3];
        float mean = fednas.get(SearchNetwork.ALPHA_NORMAL).values()[3];
        assertEquals((theta + mean) / 2, half.get(SearchNetwork.ALPHA_NORMAL).values()[3], 1e-6);
        assertArrayEquals(fednas.get("stem.conv.weight").values(), half.get("stem.conv.weight").values());
    }

    /** Meta learning rate 0 keeps Θ_0, BN statistics included: personalization is then local-only DARTS. */
    @Test
    void rateZeroKeepsTheInitialisation() {
        JobSpec spec = tiny(Map.of(MetaDnas.META_LEARNING_RATE, "0"));
        ModelParameters global = strategy.initialize(spec);
        ModelParameters next = strategy.aggregate(spec, 1, global, ServerState.EMPTY, adapted(global, 0.05)).global();
        for (NamedTensor t : global.tensors()) {
            assertArrayEquals(t.values(), next.get(t.name()).values(), t.name());
        }
    }

    /**
     * Adam: the first step moves every meta-learned coordinate by the learning rate against the sign of
     * Θ − Θ̄′ (bias-corrected moments: m̂/√v̂ = ±1), BN statistics become the clients' mean, and the
     * moments are server state, never part of the model.
     */
    @Test
    void adamStepsWithMomentsInTheServerState() {
        JobSpec spec = tiny(Map.of());
        ModelParameters global = strategy.initialize(spec);
        List<ClientResult> results = adapted(global, 0.05);
        var aggregated = strategy.aggregate(spec, 1, global, ServerState.EMPTY, results);
        ModelParameters mean = new FedNas().aggregate(spec, 1, global, ServerState.EMPTY, results).global();
        for (NamedTensor t : global.tensors()) {
            float[] next = aggregated.global().get(t.name()).values();
            float[] target = mean.get(t.name()).values();
            for (int i = 0; i < next.length; i++) {
                if (MetaDnas.isStatistic(t.name())) {
                    assertEquals(target[i], next[i], t.name());
                } else {
                    double g = (double) t.values()[i] - target[i];
                    double expected = t.values()[i] - 0.001 * g / (Math.abs(g) + MetaOptimizer.EPSILON);
                    assertEquals(expected, next[i], 2e-7, t.name() + "[" + i + "]");
                }
            }
        }
        ServerState state = aggregated.state();
        assertEquals(1, (int) state.number(MetaOptimizer.STEP, 0));
        assertNotNull(state.tensor(MetaOptimizer.FIRST_MOMENT + SearchNetwork.ALPHA_NORMAL));
        assertNotNull(state.tensor(MetaOptimizer.SECOND_MOMENT + "stem.conv.weight"));
        assertTrue(state.tensor(MetaOptimizer.FIRST_MOMENT + "stem.bn.running_mean") == null,
                "statistics are averaged, not optimised");
        // The second step continues from the stored moments.
        var second = strategy.aggregate(spec, 2, aggregated.global(), state, adapted(aggregated.global(), 0.05));
        assertEquals(2, (int) second.state().number(MetaOptimizer.STEP, 0));
    }

    /** FOMAML: the clients send query gradients; SGD takes Θ − η·ḡ on them and averages the statistics. */
    @Test
    void fomamlStepsAlongTheMeanQueryGradient() {
        JobSpec spec = tiny(Map.of(MetaDnas.META_ALGORITHM, "fomaml", MetaDnas.META_OPTIMIZER, "sgd",
                MetaDnas.META_LEARNING_RATE, "0.1"));
        ModelParameters global = strategy.initialize(spec);
        List<ClientResult> gradients = adapted(global, 1.0);
        ModelParameters mean = new FedNas().aggregate(spec, 1, global, ServerState.EMPTY, gradients).global();
        ModelParameters next = strategy.aggregate(spec, 1, global, ServerState.EMPTY, gradients).global();
        float[] theta = global.get(SearchNetwork.ALPHA_REDUCE).values();
        float[] g = mean.get(SearchNetwork.ALPHA_REDUCE).values();
        for (int i = 0; i < theta.length; i++) {
            assertEquals(theta[i] - 0.1 * g[i], next.get(SearchNetwork.ALPHA_REDUCE).values()[i], 1e-6);
        }
        assertArrayEquals(mean.get("stem.bn.running_var").values(), next.get("stem.bn.running_var").values());
    }

    /** Held-out clients never train (selection, retries) but are personalized like the others. */
    @Test
    void heldOutClientsOnlyTakePartInPersonalization() {
        JobSpec spec = tiny(Map.of(MetaDnas.HELD_OUT_CLIENTS, "1"));
        JobValidation.validate(new StrategyRegistry(strategy), spec);
        assertEquals(List.of(0, 1), strategy.trainingClients(spec));
        for (int round = 1; round <= 20; round++) {
            assertFalse(strategy.selectClients(spec, round).contains(2), "round " + round);
        }
        RoundPlan personalization = strategy.configurePersonalization(spec, strategy.initialize(spec), ServerState.EMPTY);
        assertEquals(List.of(0, 1, 2), personalization.instructions().stream().map(ClientInstruction::clientId).toList());
        assertTrue(MetaDnas.isHeldOut(spec, 2));
        assertFalse(MetaDnas.isHeldOut(spec, 1));
    }

    @Test
    void badJobsAreRefusedWithTheReason() {
        StrategyRegistry registry = new StrategyRegistry(strategy);
        String tooMany = assertThrows(InputRejectedException.class, () -> JobValidation.validate(registry,
                tiny(Map.of(MetaDnas.HELD_OUT_CLIENTS, "2")))).getMessage();
        assertTrue(tooMany.contains("clientsPerRound (2) exceeds the 1 clients left to train"), tooMany);
        String fomaml = assertThrows(InputRejectedException.class, () -> JobValidation.validate(registry,
                tiny(Map.of(MetaDnas.META_ALGORITHM, "fomaml", MetaDnas.META_LEARN_WEIGHTS, "false"))))
                .getMessage();
        assertTrue(fomaml.contains("metaLearnWeights false"), fomaml);
        String budget = assertThrows(InputRejectedException.class, () -> JobValidation.validate(registry,
                tiny(Map.of("tierMacsBudget", "3e5,-1")))).getMessage();
        assertTrue(budget.contains("tierMacsBudget"), budget);
        String family = assertThrows(InputRejectedException.class, () -> JobValidation.validate(registry,
                JobSpec.newBuilder(tiny(Map.of())).setModel(ModelSpec.newBuilder().setFamily("cnn")
                        .setOptions(Map.of()).build()).build())).getMessage();
        assertTrue(family.contains("'darts' model family"), family);
        String async = assertThrows(InputRejectedException.class, () -> JobValidation.validate(registry,
                JobSpec.newBuilder(tiny(Map.of())).setAsyncAggregation(AsyncAggregation.newBuilder().build()).build()))
                .getMessage();
        assertTrue(async.contains("asyncAggregation is not defined for it"), async);
    }

    /**
     * A small federation end to end in process (both meta-algorithms), then a held-out client's
     * personalization: it adapts Θ_R, derives its own genotype, and its model is the derived network,
     * fine-tuned, which the strategy describes from the reported genotype.
     */
    @Test
    void aHeldOutClientGetsItsOwnDerivedNetwork() {
        for (String algorithm : List.of(MetaDnas.REPTILE, MetaDnas.FOMAML)) {
            JobSpec spec = tiny(Map.of(MetaDnas.HELD_OUT_CLIENTS, "1", MetaDnas.META_ALGORITHM, algorithm,
                    MetaDnas.META_LEARNING_RATE, "0.01", "tierMacsBudget", "2e5,4e5"));
            ShardProvider shards = ShardProvider.withDefaults();
            InProcessFederation.Result result = new InProcessFederation(strategy, shards).run(spec, null, 0, null);
            assertEquals(2, result.rounds().size());
            result.rounds().forEach(r -> assertFalse(r.clients().contains(2), algorithm));
            assertEquals(2, (int) result.lastState().number(MetaOptimizer.STEP, 0));
            ModelParameters initial = strategy.initialize(spec);
            assertFalse(java.util.Arrays.equals(initial.get(SearchNetwork.ALPHA_NORMAL).values(),
                    result.model().get(SearchNetwork.ALPHA_NORMAL).values()), algorithm + ": alpha was meta-learned");

            ClientShard shard = shards.shard(spec, 2);
            RoundPlan plan = strategy.configurePersonalization(spec, result.model(), result.lastState());
            ClientInstruction instruction = plan.instructions().get(2);
            Personalization personalized = strategy.clientProcedure().personalize(new ClientTaskContext(spec, 3,
                    instruction.config(), null, result.model(), shard, () -> shards.localTestSet(spec, 2)),
                    shards.localTestSet(spec, 2));
            Map<String, Double> reported = new HashMap<>(personalized.adaptation().custom());
            assertEquals(1.0, reported.get(MetaDnas.HELD_OUT));
            assertTrue(reported.get(MetaDnas.EXPECTED_MACS) > 0);
            assertTrue(reported.containsKey(MetaDnas.MACS_BUDGET));
            ClientArchitecture architecture = strategy.clientArchitecture(spec, 2, reported).orElseThrow();
            assertEquals(DerivedFamily.NAME, architecture.model().getFamily());
            ModelInitializer.initialize(architecture.model(), 0).requireCompatible(personalized.adaptation().parameters());
            assertTrue(architecture.macs() > 0 && architecture.macs() < ModelSummary.of(spec.getModel()).macs(),
                    "a derived network is a subnet");
            double accuracy = personalized.localTest().accuracy();
            assertTrue(accuracy > personalized.globalLocalTest().accuracy(), algorithm
                    + ": the adapted, fine-tuned derived network beats the meta-model it started from on the local test split");
            System.out.printf("%s held-out client: local test %.3f (meta-model %.3f, adapted supernet %.3f), %d MACs, "
                    + "train %d, test %d, validation acc %.3f, reported %s%n", algorithm,
                    accuracy, personalized.globalLocalTest().accuracy(), reported.get(MetaDnas.SUPERNET_LOCAL_TEST_ACCURACY),
                    architecture.macs(), shard.train().size(), personalized.localTest().samples(),
                    personalized.adaptation().validationAccuracy(), reported);
        }
    }

    @Test
    void aReportWithoutItsGenotypeIsRefused() {
        JobSpec spec = tiny(Map.of());
        String message = assertThrows(IllegalArgumentException.class,
                () -> strategy.clientArchitecture(spec, 0, Map.of("expectedMacs", 1.0))).getMessage();
        assertTrue(message.contains("genotype"), message);
        assertEquals(DartsFamily.NAME, spec.getModel().getFamily());
    }

    /**
     * The coordinator folds a Meta-DNAS round as its updates arrive: the Adam step from the folded
     * mean gives the meta-update and the optimizer state of the step from all results at once, up to
     * rounding (Reptile and FOMAML alike). The folded mean is within one float ulp of the other
     * (FoldedAggregationTest); Reptile's difference θ − mean cancels most of its digits, so the
     * moments inherit that ulp relative to θ, a few parts in 10⁷ of themselves.
     */
    @Test
    void theFoldedMetaUpdateIsTheMetaUpdateUpToRounding() {
        for (Map<String, String> knobs : List.of(Map.<String, String>of(), Map.of(MetaDnas.META_ALGORITHM, MetaDnas.FOMAML))) {
            JobSpec spec = tiny(knobs);
            ModelParameters global = strategy.initialize(spec);
            List<ClientResult> results = adapted(global, 0.05);
            assertTrue(strategy.foldsUpdates(spec), knobs.toString());
            var all = strategy.aggregate(spec, 1, global, ServerState.EMPTY, results);
            io.fedarch.core.strategy.RoundAggregator folding = strategy.foldingAggregator(spec, 1, global,
                    ServerState.EMPTY);
            for (int i = results.size() - 1; i >= 0; i--) {
                folding.add(results.get(i));        // another order than aggregate's
            }
            var folded = folding.finish();
            assertCloseRelatively(all.global(), folded.global());
            assertCloseRelatively(all.state().tensors(), folded.state().tensors());
        }
    }

    private static void assertCloseRelatively(ModelParameters expected, ModelParameters actual) {
        assertEquals(expected.names(), actual.names());
        for (NamedTensor t : expected.tensors()) {
            float[] a = t.values();
            float[] b = actual.get(t.name()).values();
            for (int i = 0; i < a.length; i++) {
                double tolerance = 1e-5 * Math.max(Math.abs(a[i]), Math.abs(b[i])) + 1e-12;
                assertTrue(Math.abs(a[i] - b[i]) <= tolerance, t.name() + "[" + i + "]: " + a[i] + " vs " + b[i]);
            }
        }
    }
}
