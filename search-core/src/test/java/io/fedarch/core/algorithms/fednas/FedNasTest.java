package io.fedarch.core.algorithms.fednas;

import io.fedarch.core.darts.DartsFamily;
import io.fedarch.core.algorithms.fedavg.FedAvg;
import io.fedarch.core.strategy.ClientTaskContext;
import io.fedarch.core.strategy.StrategyRegistry;
import io.fedarch.core.strategy.ServerState;
import io.fedarch.core.strategy.Personalization;
import io.fedarch.core.strategy.Aggregated;
import io.fedarch.core.strategy.ClientInstruction;
import io.fedarch.core.strategy.ClientResult;
import io.fedarch.core.strategy.RoundPlan;
import io.fedarch.core.federation.InProcessFederation;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import io.fedarch.core.darts.DartsOptions;
import io.fedarch.core.darts.Genotype;
import io.fedarch.core.darts.GenotypeDerivation;
import io.fedarch.core.darts.SearchNetwork;
import io.fedarch.core.data.ShardProvider;
import io.fedarch.core.tensor.ModelParameters;
import io.fedarch.core.tensor.NamedTensor;
import io.fedarch.events.DataSpec;
import io.fedarch.events.JobSpec;
import io.fedarch.events.ModelSpec;
import io.fedarch.events.PartitionScheme;
import io.fedarch.events.PartitionSpec;

public class FedNasTest {
    private final FedNas fedNas = new FedNas();

    public static JobSpec tinySearch() {
        return JobSpec.newBuilder()
                .setAlgorithm(FedNas.NAME)
                .setModel(ModelSpec.newBuilder().setFamily("darts").setOptions(Map.of("channels", "4", "layers", "3",
                        "stemStride", "2", "ops", "none,max_pool_3x3,skip_connect,sep_conv_3x3")).build())
                .setData(DataSpec.newBuilder().setTrainLimit(640).setTestLimit(500)
                        .setPartition(PartitionSpec.newBuilder().setScheme(PartitionScheme.IID)
                                .setValidationFraction(0.25).build()).build())
                .setTotalClients(2).setClientsPerRound(2).setRounds(1).setLocalEpochs(3)
                .setBatchSize(32).setLearningRate(0.05).setMomentum(0.9).setWeightDecay(3e-4).setSeed(7)
                .build();
    }

    @Test
    void aTinyFederatedSearchBeatsChanceOnHeldOutImages() {
        JobSpec spec = tinySearch();
        ShardProvider shards = ShardProvider.withDefaults();
        InProcessFederation.Result result = new InProcessFederation(StrategyRegistry.builtIn().get("FedNAS"), shards)
                .run(spec, shards.testSet(spec), 0, null);
        double accuracy = result.last().test().accuracy();
        assertEquals(500, result.last().test().samples());
        // Chance is 0.1; three local epochs over 240 images per client reach 0.27 with this seed.
        assertTrue(accuracy > 0.2, "test accuracy " + accuracy);
        Genotype genotype = GenotypeDerivation.derive(result.model(), DartsFamily.options(spec.getModel()));
        assertEquals(8, genotype.normal().size());
        assertEquals(genotype, Genotype.fromJson(genotype.toJson()).validate());
    }

    @Test
    void aggregationIsTheSampleWeightedMeanOfAlphaAndWeights() {
        JobSpec spec = tinySearch();
        ModelParameters global = fedNas.initialize(spec);
        List<ClientResult> results = new ArrayList<>();
        long[] samples = {100, 300};
        for (int k = 0; k < 2; k++) {
            List<NamedTensor> tensors = new ArrayList<>();
            for (NamedTensor t : global.tensors()) {
                float[] v = new float[t.size()];
                for (int i = 0; i < v.length; i++) {
                    v[i] = (k + 1) * (i % 7) + (k == 0 ? 0.5f : -1f);
                }
                tensors.add(new NamedTensor(t.name(), t.shape(), v));
            }
            results.add(ClientResult.of(k, samples[k], new ModelParameters(tensors)));
        }
        Aggregated aggregated = fedNas.aggregate(spec, 1, global, ServerState.EMPTY, results);
        assertEquals(ServerState.EMPTY, aggregated.state(), "FedNAS keeps no server state");
        ModelParameters merged = aggregated.global();
        for (String name : List.of(SearchNetwork.ALPHA_NORMAL, SearchNetwork.ALPHA_REDUCE, "stem.conv.weight")) {
            float[] a = results.get(0).parameters().get(name).values();
            float[] b = results.get(1).parameters().get(name).values();
            float[] m = merged.get(name).values();
            for (int i = 0; i < m.length; i++) {
                assertEquals((100 * a[i] + 300 * b[i]) / 400, m[i], 1e-6, name + "[" + i + "]");
            }
        }
    }

    @Test
    void personalizationSearchesLocallyAndGivesTheClientItsOwnAlpha() {
        JobSpec spec = tinySearch();
        spec.setPersonalizationEpochs(1);
        ShardProvider shards = ShardProvider.withDefaults();
        ModelParameters global = fedNas.initialize(spec);
        RoundPlan plan = fedNas.configurePersonalization(spec, global, ServerState.EMPTY);
        ClientInstruction instruction = plan.instructions().get(1);
        assertEquals(1, instruction.clientId());
        var localTest = shards.localTestSet(spec, 1);
        Personalization adapted = fedNas.clientProcedure().personalize(
                new ClientTaskContext(spec, 2, instruction.config(), instruction.payload(), global,
                        shards.shard(spec, 1)), localTest);
        assertEquals(localTest.size(), adapted.localTest().samples());
        assertTrue(adapted.localTest().accuracy() >= 0 && adapted.localTest().accuracy() <= 1);
        float[] before = global.get(SearchNetwork.ALPHA_NORMAL).values();
        float[] after = adapted.adaptation().parameters().get(SearchNetwork.ALPHA_NORMAL).values();
        double moved = 0;
        for (int i = 0; i < before.length; i++) {
            moved = Math.max(moved, Math.abs(after[i] - before[i]));
        }
        assertTrue(moved > 1e-5, "the local search moves the client's alpha: " + moved);
        // One epoch over the training split, as configured, not the job's three local epochs.
        assertEquals((shards.shard(spec, 1).train().size() + 31) / 32, adapted.adaptation().steps());
    }

    @Test
    void learningRateFollowsACosineAcrossRounds() {
        JobSpec spec = tinySearch();
        spec.setRounds(4);
        spec.setLearningRate(0.025);
        for (ClientInstruction instruction : fedNas.configureRound(spec, 1, null, ServerState.EMPTY).instructions()) {
            assertEquals(0.025, Double.parseDouble(instruction.config().get(FedAvg.LEARNING_RATE)), 1e-12);
        }
        for (ClientInstruction instruction : fedNas.configureRound(spec, 3, null, ServerState.EMPTY).instructions()) {
            assertEquals(0.001 + 0.024 / 2, Double.parseDouble(instruction.config().get(FedAvg.LEARNING_RATE)), 1e-12);
        }
        assertEquals(List.of(0, 1), fedNas.configureRound(spec, 2, null, ServerState.EMPTY).clients());
    }

    @Test
    void validationDemandsTheDartsFamilyAndAValidationSplit() {
        JobSpec cnn = tinySearch();
        cnn.setModel(ModelSpec.newBuilder().setFamily("cnn").setOptions(Map.of()).build());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> fedNas.validate(cnn));
        assertTrue(e.getMessage().contains("darts"), e.getMessage());
        JobSpec noValidation = tinySearch();
        noValidation.getData().getPartition().setValidationFraction(0.0);
        assertThrows(IllegalArgumentException.class, () -> fedNas.validate(noValidation));
        JobSpec badLambda = tinySearch();
        badLambda.setHyperParameters(Map.of(FedNas.LAMBDA, "lots"));
        assertThrows(IllegalArgumentException.class, () -> fedNas.validate(badLambda));
        fedNas.validate(tinySearch());
        assertEquals(DartsOptions.parse(tinySearch().getModel().getOptions()), DartsFamily.options(tinySearch().getModel()));
    }
}
