package io.fedarch.core.strategy;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import io.fedarch.core.algorithms.fedavg.FedAvg;
import io.fedarch.core.tensor.ModelParameters;
import io.fedarch.core.tensor.NamedTensor;
import io.fedarch.events.DataSpec;
import io.fedarch.events.JobSpec;
import io.fedarch.events.ModelSpec;
import io.fedarch.events.PartitionSpec;

/** BN statistics pooled across clients: the spread of the clients' means is part of the variance. */
class PooledStatisticsTest {

    private static ModelParameters client(float mean, float variance, float weight) {
        return new ModelParameters(List.of(
                new NamedTensor("bn.running_mean", new int[] {1}, new float[] {mean}),
                new NamedTensor("bn.running_var", new int[] {1}, new float[] {variance}),
                new NamedTensor("conv.weight", new int[] {1}, new float[] {weight})));
    }

    @Test
    void twoClientsWhoseFeaturesSitApartPoolToTheVarianceOfTheirUnion() {
        // Client 0: features ~ (mean 0, variance 1) on 100 images; client 1: (mean 2, variance 1) on 300.
        List<ClientResult> results = List.of(ClientResult.of(0, 100, client(0, 1, 1)), ClientResult.of(1, 300, client(2, 1, 5)));
        ModelParameters averaged = WeightedAverage.of(client(0, 1, 0), results);
        assertEquals(1.0f, averaged.get("bn.running_var").values()[0], 1e-6f, "the plain mean of the variances");

        ModelParameters pooled = PooledStatistics.pool(averaged, results);
        // Union: mean 0.25·0 + 0.75·2 = 1.5; variance 0.25·(1 + 0) + 0.75·(1 + 4) − 1.5² = 1.75.
        assertEquals(1.5f, pooled.get("bn.running_mean").values()[0], 1e-6f);
        assertEquals(1.75f, pooled.get("bn.running_var").values()[0], 1e-6f);
        assertArrayEquals(averaged.get("conv.weight").values(), pooled.get("conv.weight").values(), "weights untouched");
    }

    @Test
    void fedAvgPoolsOnlyAfterAStatisticsPassAndRefusesPassesThatLeaveNoTraining() {
        JobSpec spec = JobSpec.newBuilder().setAlgorithm(FedAvg.NAME)
                .setModel(ModelSpec.newBuilder().setFamily("cnn").build())
                .setData(DataSpec.newBuilder().setPartition(PartitionSpec.newBuilder().build()).build())
                .setTotalClients(2).setClientsPerRound(2).setRounds(3).setLocalEpochs(1).setBatchSize(32)
                .setLearningRate(0.05).setHyperParameters(Map.of(FedAvg.FINAL_STATISTICS_PASS, "1")).build();
        FedAvg fedAvg = new FedAvg();
        fedAvg.validate(spec);
        List<ClientResult> results = List.of(ClientResult.of(0, 1, client(0, 1, 1)), ClientResult.of(1, 1, client(2, 1, 1)));
        ModelParameters global = client(0, 1, 1);
        assertEquals(1.0f, fedAvg.aggregate(spec, 2, global, ServerState.EMPTY, results).global()
                .get("bn.running_var").values()[0], 1e-6f, "a training round averages");
        assertEquals(2.0f, fedAvg.aggregate(spec, 3, global, ServerState.EMPTY, results).global()
                .get("bn.running_var").values()[0], 1e-6f, "the final pass pools");
        assertEquals("true", fedAvg.instruct(spec, 3, 0, global, ServerState.EMPTY).config().get(FedAvg.STATISTICS_ONLY));
        assertTrue(!fedAvg.instruct(spec, 2, 0, global, ServerState.EMPTY).config().containsKey(FedAvg.STATISTICS_ONLY));

        JobSpec nothingToTrain = JobSpec.newBuilder(spec).setRounds(2)
                .setHyperParameters(Map.of(FedAvg.FINAL_STATISTICS_PASS, "1", FedAvg.STATISTICS_PASS, "1")).build();
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> fedAvg.validate(nothingToTrain));
        assertTrue(e.getMessage().contains("rounds must be >= 3"), e.getMessage());
    }
}
