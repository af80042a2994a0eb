package io.fedarch.core.algorithms.fedavg;

import io.fedarch.core.strategy.ClientTaskContext;
import io.fedarch.core.strategy.StrategyRegistry;
import io.fedarch.core.strategy.ClientOutcome;
import io.fedarch.core.strategy.ServerState;
import io.fedarch.core.strategy.Personalization;
import io.fedarch.core.strategy.ClientInstruction;
import io.fedarch.core.strategy.RoundPlan;
import io.fedarch.core.federation.InProcessFederation;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import io.fedarch.core.data.ClientShard;
import io.fedarch.core.data.ShardProvider;
import io.fedarch.core.tensor.ModelParameters;
import io.fedarch.core.tensor.NamedTensor;
import io.fedarch.events.DataSpec;
import io.fedarch.events.JobSpec;
import io.fedarch.events.ModelSpec;
import io.fedarch.events.PartitionScheme;
import io.fedarch.events.PartitionSpec;

class FedAvgTest {
    private final FedAvg fedAvg = new FedAvg();

    static JobSpec smallJob() {
        return JobSpec.newBuilder()
                .setModel(ModelSpec.newBuilder().setFamily("cnn").setOptions(Map.of()).build())
                .setData(DataSpec.newBuilder().setTrainLimit(3000).setTestLimit(1000)
                        .setPartition(PartitionSpec.newBuilder().setScheme(PartitionScheme.IID).build()).build())
                .setTotalClients(3).setClientsPerRound(3).setRounds(2).setLocalEpochs(1)
                .setBatchSize(32).setLearningRate(0.05).setMomentum(0.9).setSeed(17)
                .build();
    }

    @Test
    void trainsFashionMnistWellAboveChanceInTwoRounds() {
        JobSpec spec = smallJob();
        ShardProvider shards = ShardProvider.withDefaults();
        InProcessFederation.Result result = new InProcessFederation(fedAvg, shards)
                .run(spec, shards.testSet(spec), 0, null);
        assertEquals(2, result.rounds().size());
        double accuracy = result.last().test().accuracy();
        assertEquals(1000, result.last().test().samples());
        assertTrue(accuracy >= 0.6, "test accuracy " + accuracy);
        // The second round starts from the aggregated model, which is already far better than chance.
        assertTrue(result.rounds().get(1).globalValidationAccuracy() > 0.5,
                "global validation accuracy " + result.rounds().get(1).globalValidationAccuracy());
    }

    @Test
    void clientProcedureReportsTrainSplitSizeAndMetrics() {
        JobSpec spec = smallJob();
        ClientShard shard = ShardProvider.withDefaults().shard(spec, 1);
        ModelParameters global = fedAvg.initialize(spec);
        RoundPlan plan = fedAvg.configureRound(spec, 1, global, ServerState.EMPTY);
        ClientInstruction instruction = plan.instructions().get(plan.clients().indexOf(1));
        ClientOutcome out = fedAvg.clientProcedure().run(new ClientTaskContext(spec, 1, instruction.config(),
                instruction.payload(), global, shard));
        assertEquals(shard.train().size(), out.sampleCount());
        assertEquals((shard.train().size() + 31) / 32, out.steps());
        assertEquals(shard.validation().size(), out.validationSamples());
        assertTrue(out.globalValidationAccuracy() < 0.35, "untrained model: " + out.globalValidationAccuracy());
        assertTrue(out.validationAccuracy() > out.globalValidationAccuracy());
        assertTrue(Double.isFinite(out.trainLoss()));
        global.requireCompatible(out.parameters());
        assertEquals(null, out.parameters().firstNonFinite());
    }

    @Test
    void personalizationFineTunesLocallyAndIsMeasuredOnTheClientsOwnTestSplit() {
        // Label skew, 2 classes per client: local fine-tuning of an untrained model must beat the
        // same model on the client's local test split, whose labels are the client's two classes.
        JobSpec spec = smallJob();
        spec.getData().getPartition().setScheme(PartitionScheme.LABEL_SKEW);
        spec.setTotalClients(5);
        spec.setClientsPerRound(5);
        spec.setPersonalizationEpochs(1);
        ShardProvider shards = ShardProvider.withDefaults();
        ClientShard shard = shards.shard(spec, 2);
        var localTest = shards.localTestSet(spec, 2);
        ModelParameters global = fedAvg.initialize(spec);
        RoundPlan plan = fedAvg.configurePersonalization(spec, global, ServerState.EMPTY);
        assertEquals(List.of(0, 1, 2, 3, 4), plan.clients());
        ClientInstruction instruction = plan.instructions().get(2);
        assertEquals(2, instruction.clientId());
        assertTrue(RoundPlan.isPersonalization(instruction.config()));
        Personalization adapted = fedAvg.clientProcedure().personalize(
                new ClientTaskContext(spec, spec.getRounds() + 1, instruction.config(), instruction.payload(), global,
                        shard), localTest);
        assertEquals(localTest.size(), adapted.localTest().samples());
        assertEquals(localTest.size(), adapted.globalLocalTest().samples());
        assertEquals(java.util.Arrays.stream(shard.train().labels()).distinct().count(),
                java.util.Arrays.stream(localTest.labels()).distinct().count());
        assertTrue(adapted.localTest().accuracy() > adapted.globalLocalTest().accuracy() + 0.3,
                "local test accuracy " + adapted.localTest().accuracy() + " vs global " + adapted.globalLocalTest().accuracy());
        assertEquals((shard.train().size() + 31) / 32, adapted.adaptation().steps());
    }

    @Test
    void initializeIsIdenticalForTheSameSeed() {
        JobSpec spec = smallJob();
        ModelParameters a = fedAvg.initialize(spec);
        ModelParameters b = fedAvg.initialize(smallJob());
        for (NamedTensor t : a.tensors()) {
            assertArrayEquals(t.values(), b.get(t.name()).values());
        }
        spec.setSeed(18);
        assertNotEquals(a.get("fc2.weight").values()[0], fedAvg.initialize(spec).get("fc2.weight").values()[0]);
    }

    @Test
    void roundsSampleDistinctSortedClientsReproducibly() {
        JobSpec spec = smallJob();
        spec.setTotalClients(20);
        spec.setClientsPerRound(5);
        RoundPlan r1 = fedAvg.configureRound(spec, 1, null, ServerState.EMPTY);
        assertEquals(r1, fedAvg.configureRound(spec, 1, null, ServerState.EMPTY));
        assertEquals(5, r1.clients().size());
        assertEquals(5, r1.clients().stream().distinct().count());
        assertEquals(r1.clients().stream().sorted().toList(), r1.clients());
        assertTrue(r1.clients().stream().allMatch(c -> c >= 0 && c < 20));
        boolean anyDifferent = false;
        for (int round = 2; round <= 6; round++) {
            anyDifferent |= !fedAvg.configureRound(spec, round, null, ServerState.EMPTY).clients().equals(r1.clients());
        }
        assertTrue(anyDifferent);
        for (ClientInstruction instruction : r1.instructions()) {
            assertEquals("0.05", instruction.config().get(FedAvg.LEARNING_RATE));
            assertEquals(null, instruction.payload());
        }
        spec.setClientsPerRound(20);
        assertEquals(20, fedAvg.configureRound(spec, 3, null, ServerState.EMPTY).clients().size());
    }

    @Test
    void validateRejectsImpossibleJobs() {
        JobSpec tooMany = smallJob();
        tooMany.setClientsPerRound(4);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> fedAvg.validate(tooMany));
        assertTrue(e.getMessage().contains("clientsPerRound"), e.getMessage());
        JobSpec noRounds = smallJob();
        noRounds.setRounds(0);
        assertThrows(IllegalArgumentException.class, () -> fedAvg.validate(noRounds));
        JobSpec badModel = smallJob();
        badModel.setModel(ModelSpec.newBuilder().setFamily("transformer").setOptions(Map.of()).build());
        assertThrows(IllegalArgumentException.class, () -> fedAvg.validate(badModel));
        fedAvg.validate(smallJob());
    }

    @Test
    void registryFindsFedAvgCaseInsensitively() {
        assertEquals(FedAvg.NAME, StrategyRegistry.builtIn().get("FedAvg").name());
        assertThrows(IllegalArgumentException.class, () -> StrategyRegistry.builtIn().get("fedprox"));
    }
}
