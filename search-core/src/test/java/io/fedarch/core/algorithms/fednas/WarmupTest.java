package io.fedarch.core.algorithms.fednas;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.Map;

import org.junit.jupiter.api.Test;

import ai.djl.ndarray.NDManager;
import io.fedarch.core.darts.SearchNetwork;
import io.fedarch.core.darts.SearchNetworkTest;
import io.fedarch.core.data.FashionMnist;
import io.fedarch.core.data.ImageDataset;
import io.fedarch.core.model.BlockParameters;
import io.fedarch.core.model.Engines;
import io.fedarch.core.model.ModelFactory;
import io.fedarch.core.model.ModelInitializer;
import io.fedarch.core.strategy.ServerState;
import io.fedarch.core.tensor.ModelParameters;
import io.fedarch.events.DataSpec;
import io.fedarch.events.JobSpec;
import io.fedarch.events.PartitionSpec;

/** w warm-up: the first warmupRounds rounds train the weights alone; α starts moving after them. */
class WarmupTest {

    private static JobSpec job(String warmup) {
        return job(4, Map.of(FedNas.WARMUP_ROUNDS, warmup));
    }

    private static JobSpec job(int rounds, Map<String, String> hyperParameters) {
        return JobSpec.newBuilder().setAlgorithm(FedNas.NAME).setModel(SearchNetworkTest.tiny())
                .setData(DataSpec.newBuilder().setPartition(PartitionSpec.newBuilder().setValidationFraction(0.3).build())
                        .build())
                .setTotalClients(2).setClientsPerRound(2).setRounds(rounds).setLocalEpochs(1).setBatchSize(32)
                .setLearningRate(0.025).setMomentum(0.9).setArchLearningRate(0.01)
                .setHyperParameters(hyperParameters).build();
    }

    /** Without the knob, a third of the rounds (rounded down) warm up: none in a 2-round job, 2 of 6. */
    @Test
    void theDefaultWarmupIsAThirdOfTheRounds() {
        FedNas fedNas = new FedNas();
        for (int[] roundsAndWarmup : new int[][] {{1, 0}, {2, 0}, {3, 1}, {6, 2}}) {
            JobSpec spec = job(roundsAndWarmup[0], Map.of());
            fedNas.validate(spec);
            for (int round = 1; round <= roundsAndWarmup[0]; round++) {
                assertEquals(round <= roundsAndWarmup[1] ? "true" : null,
                        fedNas.instruct(spec, round, 0, null, ServerState.EMPTY).config().get(FedNas.ARCHITECTURE_FROZEN),
                        roundsAndWarmup[0] + " rounds, round " + round);
            }
        }
    }

    @Test
    void theServerFreezesAlphaForTheWarmupRoundsOnly() {
        JobSpec spec = job("2");
        FedNas fedNas = new FedNas();
        fedNas.validate(spec);
        for (int round = 1; round <= 4; round++) {
            Map<String, String> config = fedNas.instruct(spec, round, 0, null, ServerState.EMPTY).config();
            assertEquals(round <= 2 ? "true" : null, config.get(FedNas.ARCHITECTURE_FROZEN), "round " + round);
        }
        // Without warm-up the round config is what it always was.
        assertEquals(1, fedNas.instruct(job("0"), 1, 0, null, ServerState.EMPTY).config().size());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> fedNas.validate(job("4")));
        assertTrue(e.getMessage().contains("warmupRounds"), e.getMessage());
    }

    @Test
    void aFrozenSearchTrainsTheWeightsAndLeavesAlphaExactlyAsItWas() {
        ImageDataset data = FashionMnist.load(FashionMnist.DEFAULT_DIR, FashionMnist.Split.TRAIN, 160);
        int[] rest = new int[64];
        Arrays.setAll(rest, i -> 96 + i);
        ModelParameters start = ModelInitializer.initialize(SearchNetworkTest.tiny(), 11);
        try (NDManager manager = Engines.newManager()) {
            SearchNetwork network = (SearchNetwork) ModelFactory.buildAllocated(SearchNetworkTest.tiny(), manager);
            BlockParameters.load(network, start);
            SearchSettings frozen = new SearchSettings(1, 32, 0.025, 0.9, 3e-4, 5, 0.01, 1e-3, 1.0, 5, true);
            SearchTrainer.Outcome outcome = SearchTrainer.search(network, data.head(96), data.select(rest), frozen);
            ModelParameters after = BlockParameters.read(network);
            assertEquals(3, outcome.training().steps());
            assertTrue(Double.isNaN(outcome.architectureValidationLoss()), "no α step was taken");
            for (String alpha : new String[] {SearchNetwork.ALPHA_NORMAL, SearchNetwork.ALPHA_REDUCE}) {
                assertArrayEquals(start.get(alpha).values(), after.get(alpha).values(), alpha);
            }
            assertFalse(Arrays.equals(start.get("classifier.weight").values(), after.get("classifier.weight").values()));
            assertNull(after.firstNonFinite());
        }
    }
}
