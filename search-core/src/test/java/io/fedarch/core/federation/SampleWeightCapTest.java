package io.fedarch.core.federation;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.Map;

import org.junit.jupiter.api.Test;

import io.fedarch.core.data.FashionMnist;
import io.fedarch.core.data.PartitionSampleCap;
import io.fedarch.core.data.ShardProvider;
import io.fedarch.core.strategy.StrategyRegistry;
import io.fedarch.core.tensor.ModelParameters;
import io.fedarch.events.JobSpec;

/**
 * Review finding H4: a client's self-reported sampleCount decides its weight. One update claiming
 * 10^12 samples took over NORM_CLIPPED_MEAN; capped at the shard size the coordinator computes, it
 * weighs like any other client and the honest majority decides the direction.
 */
class SampleWeightCapTest {

    private static JobSpec clippedMeanJob() {
        return EngineFixtures.spec(Map.of("algorithm", "fedavg", "totalClients", 10, "clientsPerRound", 10,
                "rounds", 1, "robustAggregation", Map.of("rule", "NORM_CLIPPED_MEAN", "clipNorm", 1.0)));
    }

    /** Mean shift of the aggregate against version 0: 9 clients move +1 (600 samples), one moves −100 claiming 10^12. */
    private static double aggregateShift(SampleCountCap cap) {
        FederationEngine engine = new FederationEngine(StrategyRegistry.builtIn(), EngineSettings.defaults(),
                new EngineFixtures.MutableClock(EngineFixtures.T0), cap);
        FederationEngine.Started started = engine.submit("h4", clippedMeanJob(), null);
        Decision.SendTasks send = EngineFixtures.one(started.decisions(), Decision.SendTasks.class);
        ModelParameters global = started.job().global();
        FederationEngine.Outcome last = null;
        for (int client = 0; client < 10; client++) {
            boolean hostile = client == 9;
            ModelParameters sent = EngineFixtures.shifted(global, hostile ? -100f : 1f);
            last = engine.handle(started.job(), EngineFixtures.input(EngineFixtures.answer("h4", send, client, sent,
                    hostile ? 1_000_000_000_000L : 600)));
        }
        ModelParameters aggregate = EngineFixtures.one(last.decisions(), Decision.PublishGlobal.class).model();
        double sum = 0;
        long count = 0;
        for (int t = 0; t < aggregate.tensors().size(); t++) {
            float[] after = aggregate.tensors().get(t).values();
            float[] before = global.tensors().get(t).values();
            for (int i = 0; i < after.length; i++) {
                sum += after[i] - before[i];
                count++;
            }
        }
        return sum / count;
    }

    @Test
    void anInflatedSampleCountNoLongerTakesOverTheClippedMean() {
        double trusted = aggregateShift(SampleCountCap.NONE);
        double capped = aggregateShift((spec, client) -> 600);
        assertTrue(trusted < 0, "with the reported counts the hostile client decides: shift " + trusted);
        assertTrue(capped > 0, "capped at the shard size the honest majority decides: shift " + capped);
    }

    /** The cap is each client's shard as every worker computes it, from the labels alone. */
    @Test
    void theCapIsTheShardTheWorkersTrainOn() {
        JobSpec job = EngineFixtures.spec(Map.of("algorithm", "fedavg", "totalClients", 5, "clientsPerRound", 5,
                "data", Map.of("trainLimit", 3000, "partition", Map.of("scheme", "DIRICHLET", "dirichletAlpha", 0.5))));
        PartitionSampleCap cap = new PartitionSampleCap(FashionMnist.DEFAULT_DIR);
        int[][] parts = ShardProvider.withDefaults().partition(job);
        for (int client = 0; client < 5; client++) {
            assertEquals(parts[client].length, cap.cap(job, client), "client " + client);
            long trained = ShardProvider.withDefaults().shard(job, client).train().size();
            assertTrue(trained <= cap.cap(job, client));
        }
        assertEquals(Long.MAX_VALUE, cap.cap(EngineFixtures.spec(Map.of("data", Map.of("dataDir", "/elsewhere"))), 0),
                "a dataset this host cannot read has no cap");
    }
}
