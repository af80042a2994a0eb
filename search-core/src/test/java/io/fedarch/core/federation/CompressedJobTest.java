package io.fedarch.core.federation;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;

import org.junit.jupiter.api.Test;

import io.fedarch.core.data.ShardProvider;
import io.fedarch.core.strategy.StrategyRegistry;
import io.fedarch.events.JobSpec;
import io.fedarch.events.spec.JobSpecReader;

/** Whole FedAvg jobs in one JVM with compressed updates and broadcasts: they train as the FP32 job does. */
class CompressedJobTest {
    private static JobSpec job(Map<String, Object> compression) {
        return JobSpecReader.fromMap(Map.of("algorithm", "fedavg", "totalClients", 3, "clientsPerRound", 3,
                "rounds", 2, "batchSize", 32, "seed", 17,
                "model", Map.of("family", "cnn", "options", Map.of()),
                "data", Map.of("trainLimit", 3000, "testLimit", 1000, "partition", Map.of("scheme", "IID")),
                "compression", compression));
    }

    private static double accuracy(JobSpec spec) {
        ShardProvider shards = ShardProvider.withDefaults();
        InProcessFederation.Result result = new InProcessFederation(StrategyRegistry.builtIn().get("fedavg"), shards)
                .run(spec, shards.testSet(spec), 0, null);
        assertEquals(2, result.rounds().size());
        return result.last().test().accuracy();
    }

    @Test
    void int8BothWaysTrainsFashionMnistWellAboveChance() {
        double accuracy = accuracy(job(Map.of("uplink", "INT8", "downlink", "INT8")));
        assertTrue(accuracy >= 0.6, "test accuracy " + accuracy);
    }

    @Test
    void topKUplinkWithInt8DownlinkTrainsFashionMnistWellAboveChance() {
        double accuracy = accuracy(job(Map.of("uplink", "TOPK", "downlink", "INT8", "topKFraction", 0.1)));
        assertTrue(accuracy >= 0.6, "test accuracy " + accuracy);
    }
}
