package io.fedarch.core.strategy;

import io.fedarch.core.algorithms.fednas.FedNasTest;
import io.fedarch.core.algorithms.fedmetanas.FedMetaNasTest;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;

import org.junit.jupiter.api.Test;

import io.fedarch.core.data.ShardProvider;
import io.fedarch.core.tensor.ModelParameters;
import io.fedarch.core.tensor.NamedTensor;
import io.fedarch.events.JobSpec;

/**
 * A client's local search is a function of its task: the same task gives bit-identical parameters,
 * however often the garbage collector runs meanwhile. This is what lets a fixed-seed federated
 * search resume after a crash with the same genotype. It failed while DJL's {@code set(float[])}
 * and {@code mul(Number)} left libtorch reading direct buffers the collector had freed.
 */
class SearchReproducibilityTest {

    @Test
    void fedNasLocalSearchRepeatsBitForBitUnderGarbageCollection() throws Exception {
        assertRepeatable(JobSpec.newBuilder(FedNasTest.tinySearch()).setLocalEpochs(1).build());
    }

    @Test
    void fedMetaNasLocalSearchRepeatsBitForBitUnderGarbageCollection() throws Exception {
        assertRepeatable(JobSpec.newBuilder(FedMetaNasTest.tinyMetaSearch(Map.of())).setLocalEpochs(1).build());
    }

    private static void assertRepeatable(JobSpec spec) throws Exception {
        Strategy strategy = StrategyRegistry.builtIn().get(spec.getAlgorithm());
        ShardProvider shards = ShardProvider.withDefaults();
        ModelParameters global = strategy.initialize(spec);
        // Client 0's task as the engine would send it: its instruction, with the payload the strategy gives it.
        ClientInstruction instruction = strategy.instruct(spec, 1, 0, global, strategy.initialState(spec));
        List<ModelParameters> results = new ArrayList<>();
        AtomicBoolean running = new AtomicBoolean(true);
        // Keeps the collector busy during both searches, so a freed buffer still in use would be reused.
        Thread churn = new Thread(() -> {
            while (running.get()) {
                for (int i = 0; i < 200; i++) {
                    java.nio.ByteBuffer.allocateDirect(4096).putInt(0, i);
                }
                System.gc();
                try {
                    Thread.sleep(100);
                } catch (InterruptedException e) {
                    return;
                }
            }
        });
        churn.setDaemon(true);
        churn.start();
        try {
            for (int repeat = 0; repeat < 2; repeat++) {
                results.add(strategy.clientProcedure().run(
                        new ClientTaskContext(spec, 1, instruction.config(), instruction.payload(), global,
                                shards.shard(spec, 0))).parameters());
            }
        } finally {
            running.set(false);
            churn.join();
        }
        List<NamedTensor> first = results.get(0).tensors();
        List<NamedTensor> second = results.get(1).tensors();
        assertEquals(first.size(), second.size());
        for (int i = 0; i < first.size(); i++) {
            assertArrayEquals(first.get(i).values(), second.get(i).values(),
                    first.get(i).name() + " differs between two runs of the same task");
        }
    }
}
