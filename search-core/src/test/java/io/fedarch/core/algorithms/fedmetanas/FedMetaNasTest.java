package io.fedarch.core.algorithms.fedmetanas;

import io.fedarch.core.darts.DartsFamily;
import io.fedarch.core.algorithms.fedavg.FedAvg;
import io.fedarch.core.strategy.Strategy;
import io.fedarch.core.strategy.ServerState;
import io.fedarch.core.strategy.ClientProcedure;
import io.fedarch.core.strategy.Aggregated;
import io.fedarch.core.strategy.ClientInstruction;
import io.fedarch.core.strategy.ClientResult;
import io.fedarch.core.strategy.RoundPlan;
import io.fedarch.core.strategy.BetweenRounds;
import io.fedarch.core.federation.InProcessFederation;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import ai.djl.ndarray.NDManager;
import io.fedarch.core.darts.CellTopology;
import io.fedarch.core.darts.DartsOptions;
import io.fedarch.core.darts.DerivedNetwork;
import io.fedarch.core.darts.DerivedOptions;
import io.fedarch.core.darts.Genotype;
import io.fedarch.core.darts.GenotypeDerivation;
import io.fedarch.core.darts.MixingMode;
import io.fedarch.core.darts.OperationMask;
import io.fedarch.core.darts.Relaxation;
import io.fedarch.core.darts.SearchNetwork;
import io.fedarch.core.darts.WeightInheritance;
import io.fedarch.core.data.ImageDataset;
import io.fedarch.core.data.ShardProvider;
import io.fedarch.core.model.BlockParameters;
import io.fedarch.core.model.Engines;
import io.fedarch.core.model.ModelFactory;
import io.fedarch.core.tensor.ModelParameters;
import io.fedarch.core.train.Evaluator;
import io.fedarch.core.train.Metrics;
import io.fedarch.events.DataSpec;
import io.fedarch.events.JobSpec;
import io.fedarch.events.ModelSpec;
import io.fedarch.events.PartitionScheme;
import io.fedarch.events.PartitionSpec;

public class FedMetaNasTest {

    public static JobSpec tinyMetaSearch(Map<String, String> hyperParameters) {
        return JobSpec.newBuilder()
                .setAlgorithm(FedMetaNas.NAME)
                .setModel(ModelSpec.newBuilder().setFamily("darts").setOptions(Map.of("channels", "4", "layers", "3",
                        "stemStride", "2")).build())
                .setData(DataSpec.newBuilder().setTrainLimit(800).setTestLimit(500)
                        .setPartition(PartitionSpec.newBuilder().setScheme(PartitionScheme.IID)
                                .setValidationFraction(0.25).build()).build())
                .setTotalClients(2).setClientsPerRound(2).setRounds(4).setLocalEpochs(2)
                .setBatchSize(32).setLearningRate(0.05).setMomentum(0.9).setWeightDecay(3e-4).setSeed(7)
                .setArchLearningRate(0.003).setHyperParameters(hyperParameters)
                .build();
    }

    /**
     * Four rounds with the default schedule (threshold 0 after round 1, 1 after round 2, two decay
     * rounds): the last round searches exactly one discrete architecture, and that architecture with
     * its trained weights — no retraining — scores what the relaxed supernet scores.
     */
    @Test
    void theSpaceShrinksToTheExportedArchitectureWhichNeedsNoRetraining() {
        JobSpec spec = tinyMetaSearch(Map.of());
        FedMetaNas strategy = new FedMetaNas();
        ShardProvider shards = ShardProvider.withDefaults();
        List<Integer> active = new java.util.ArrayList<>();
        ImageDataset test = shards.testSet(spec);
        InProcessFederation.Result result = new InProcessFederation(new RecordingMasks(strategy, active), shards)
                .run(spec, null, 0, null);
        int total = 2 * CellTopology.EDGES * 8;
        // Rounds 1-3 search in the whole space (round 3's weak operations only decay, to 0.5), round 4
        // in the surviving path only.
        assertEquals(List.of(total, total, total, 16), active.subList(0, 4), "active operations per round");

        DartsOptions options = DartsFamily.options(spec.getModel());
        OperationMask last = FedMetaNas.mask(spec, result.lastState());
        // Discrete: one operation per surviving edge, two edges per node, per cell type.
        assertEquals(2 * 8, last.activeOperations(), "the final mask keeps the genotype's 8 + 8 operations");
        assertEquals(0, last.decayingOperations());
        Genotype genotype = GenotypeDerivation.derive(result.model(), options, last);

        try (NDManager manager = Engines.newManager()) {
            SearchNetwork supernet = (SearchNetwork) ModelFactory.buildAllocated(spec.getModel(), manager);
            BlockParameters.load(supernet, result.model());
            supernet.setRelaxation(new Relaxation(MixingMode.GUMBEL_HARD, 1, last));
            Metrics relaxed = Evaluator.evaluate(supernet, test, 250);
            DerivedNetwork derived = new DerivedNetwork(DerivedOptions.of(options, genotype));
            derived.initialize(manager, ai.djl.ndarray.types.DataType.FLOAT32, ModelFactory.inputShape(spec.getModel(), 1));
            BlockParameters.load(derived, WeightInheritance.fromSupernet(result.model(), options, genotype));
            Metrics discrete = Evaluator.evaluate(derived, test, 250);
            assertEquals(relaxed.accuracy(), discrete.accuracy(), 0.005, "relaxed vs discrete");
            // Chance is 0.1; 4 rounds over 300 training images per client reach about 0.5 with this seed.
            assertTrue(discrete.accuracy() > 0.3, "test accuracy without retraining " + discrete.accuracy());
        }
    }

    /**
     * The per-round figure users watch (the received global model on the clients' validation splits)
     * measures the model, not stale BN statistics: examples/fedmetanas-tiny.yaml's job printed 0.1089,
     * 0.0800, 0.0822 and 0.0622 before, every image of round 3 predicted as one class (0.0822 = that
     * class's share), because the statistics were measured on sampled one-hot paths while the
     * evaluation mixes every unmasked operation. Re-measured under the evaluated mixture (one pass over
     * each client's training split, no gradient): 0.0822 (round 1: the untrained initial model), 0.1933,
     * 0.2733, 0.2089.
     */
    @Test
    void thePerRoundGlobalValidationAccuracyIsAboveChanceOnceTheSupernetHasTrained() {
        JobSpec spec = JobSpec.newBuilder()
                .setAlgorithm(FedMetaNas.NAME)
                .setModel(ModelSpec.newBuilder().setFamily("darts").setOptions(Map.of("channels", "4", "layers", "3",
                        "stemStride", "2")).build())
                .setData(DataSpec.newBuilder().setTrainLimit(1500).setTestLimit(500)
                        .setPartition(PartitionSpec.newBuilder().setScheme(PartitionScheme.DIRICHLET).setDirichletAlpha(0.5)
                                .setValidationFraction(0.3).build()).build())
                .setTotalClients(3).setClientsPerRound(3).setRounds(4).setLocalEpochs(1)
                .setBatchSize(32).setLearningRate(0.05).setMomentum(0.9).setWeightDecay(3e-4)
                .setArchLearningRate(0.003)
                .build();
        InProcessFederation.Result result = new InProcessFederation(new FedMetaNas(), ShardProvider.withDefaults())
                .run(spec, null, 0, null);
        // The mean over rounds 2-4, not each round: a single round of this 4-channel supernet swings by 0.1
        // with the seed and the float summation order (seeds 42/43/44 measured round 4 at 0.209/0.102/0.160,
        // and 0.129 for seed 42 after issue 19's reordered search step), while stale statistics kept every
        // round at or below chance (mean 0.075 above).
        List<InProcessFederation.RoundReport> trained = result.rounds().subList(1, 4);
        double mean = trained.stream().mapToDouble(InProcessFederation.RoundReport::globalValidationAccuracy)
                .average().orElseThrow();
        assertTrue(mean > 0.15, "rounds 2-4: mean global validation accuracy " + mean + " of " + trained.stream()
                .map(r -> String.format("%.4f", r.globalValidationAccuracy())).toList());
    }

    /** Records how many operations each round's mask leaves active. */
    private static final class RecordingMasks implements Strategy, BetweenRounds {
        private final FedMetaNas inner;
        private final List<Integer> active;

        RecordingMasks(FedMetaNas inner, List<Integer> active) {
            this.inner = inner;
            this.active = active;
        }

        @Override public String name() { return inner.name(); }
        @Override public void validate(JobSpec spec) { inner.validate(spec); }
        @Override public ModelParameters initialize(JobSpec spec) { return inner.initialize(spec); }
        @Override public ClientInstruction instruct(JobSpec spec, int round, int clientId, ModelParameters g, ServerState s) { return inner.instruct(spec, round, clientId, g, s); }
        @Override public Aggregated aggregate(JobSpec spec, int round, ModelParameters g, ServerState s, List<ClientResult> r) { return inner.aggregate(spec, round, g, s, r); }
        @Override public RoundPlan configurePersonalization(JobSpec spec, ModelParameters g, ServerState s) { return inner.configurePersonalization(spec, g, s); }
        @Override public ClientProcedure clientProcedure() { return inner.clientProcedure(); }
        @Override public java.util.Optional<BetweenRounds> betweenRounds() { return java.util.Optional.of(this); }
        @Override public void check(JobSpec spec, ServerState state) { inner.check(spec, state); }

        /** Round 1's mask; the engine may ask for it more than once (validation sizes the state), it is recorded once. */
        @Override
        public ServerState initialState(JobSpec spec) {
            ServerState state = inner.initialState(spec);
            if (active.isEmpty()) {
                active.add(FedMetaNas.mask(spec, state).activeOperations());
            }
            return state;
        }

        @Override
        public ServerState next(JobSpec spec, int round, ModelParameters global, ServerState state) {
            ServerState next = inner.next(spec, round, global, state);
            active.add(FedMetaNas.mask(spec, next).activeOperations());
            return next;
        }
    }

    @Test
    void temperatureAnnealsLinearlyAcrossRoundsAndTravelsInTheRoundConfig() {
        JobSpec spec = tinyMetaSearch(Map.of());
        spec.setRounds(10);
        assertEquals(10.0, FedMetaNas.temperature(spec, 1), 1e-12);
        assertEquals(1.0, FedMetaNas.temperature(spec, 10), 1e-12);
        assertEquals(5.0, FedMetaNas.temperature(spec, 6), 1e-12);
        FedMetaNas strategy = new FedMetaNas();
        RoundPlan plan = strategy.configureRound(spec, 6, null, strategy.initialState(spec));
        for (ClientInstruction instruction : plan.instructions()) {
            assertEquals("5.0", instruction.config().get(FedMetaNas.TEMPERATURE));
            assertTrue(instruction.config().containsKey(FedAvg.LEARNING_RATE));
            // The search space travels in the payload, not in the config.
            assertEquals(OperationMask.full(DartsFamily.options(spec.getModel())),
                    OperationMask.fromTensors(DartsFamily.options(spec.getModel()).operationNames(),
                            instruction.payload(), FedMetaNas.MASK));
        }
    }

    @Test
    void badKnobsAreRejectedWithTheirNames() {
        Map<String, String> bad = new HashMap<>();
        bad.put(FedMetaNas.GUMBEL, "lukewarm");
        bad.put(FedMetaNas.INNER_STEPS, "0");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new FedMetaNas().validate(tinyMetaSearch(bad)));
        assertTrue(e.getMessage().contains("gumbel"), e.getMessage());
        IllegalArgumentException steps = assertThrows(IllegalArgumentException.class,
                () -> new FedMetaNas().validate(tinyMetaSearch(Map.of(FedMetaNas.INNER_STEPS, "0"))));
        assertTrue(steps.getMessage().contains("innerSteps"), steps.getMessage());
        JobSpec cnn = tinyMetaSearch(Map.of());
        cnn.setModel(ModelSpec.newBuilder().setFamily("cnn").build());
        assertThrows(IllegalArgumentException.class, () -> new FedMetaNas().validate(cnn));
    }

    /**
     * A personalized model is delivered as the client adapted it: its BN statistics are the ones its
     * reported local test accuracy was measured with (re-measured under the evaluated mixture after
     * the hard-Gumbel adaptation), so the delivered parameters, evaluated as they are, score that figure.
     */
    @Test
    void aPersonalizedSupernetScoresItsReportedAccuracyAsDelivered() {
        JobSpec spec = JobSpec.newBuilder(tinyMetaSearch(Map.of())).setPersonalizationEpochs(1).build();
        ShardProvider shards = ShardProvider.withDefaults();
        ImageDataset localTest = shards.localTestSet(spec, 0);
        io.fedarch.core.strategy.Personalization adapted = new FedMetaNas().clientProcedure().personalize(
                new io.fedarch.core.strategy.ClientTaskContext(spec, spec.getRounds(), null, null,
                        new FedMetaNas().initialize(spec), shards.shard(spec, 0), () -> localTest), localTest);
        try (NDManager manager = Engines.newManager()) {
            SearchNetwork network = (SearchNetwork) ModelFactory.buildAllocated(spec.getModel(), manager);
            BlockParameters.load(network, adapted.adaptation().parameters());
            network.setRelaxation(new Relaxation(MixingMode.SOFTMAX, 1.0, null));
            double delivered = Evaluator.evaluate(network, localTest, Math.max(spec.getBatchSize(), Evaluator.DEFAULT_BATCH)).accuracy();
            assertEquals(adapted.localTest().accuracy(), delivered, 1e-9, "delivered vs reported");
        }
    }
}
