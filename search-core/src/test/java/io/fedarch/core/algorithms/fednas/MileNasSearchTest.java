package io.fedarch.core.algorithms.fednas;

import io.fedarch.core.darts.SearchNetwork;
import io.fedarch.core.darts.SearchNetworkTest;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;

import org.junit.jupiter.api.Test;

import ai.djl.ndarray.NDManager;
import io.fedarch.core.data.FashionMnist;
import io.fedarch.core.data.ImageDataset;
import io.fedarch.core.model.BlockParameters;
import io.fedarch.core.model.Engines;
import io.fedarch.core.model.ModelFactory;
import io.fedarch.core.model.ModelInitializer;
import io.fedarch.core.tensor.ModelParameters;

class MileNasSearchTest {

    /** Searches the tiny network from a fixed start on 96 real training and 64 validation images. */
    private static ModelParameters search(double lambda) {
        ImageDataset data = FashionMnist.load(FashionMnist.DEFAULT_DIR, FashionMnist.Split.TRAIN, 160);
        ImageDataset train = data.head(96);
        int[] rest = new int[64];
        Arrays.setAll(rest, i -> 96 + i);
        ImageDataset validation = data.select(rest);
        try (NDManager manager = Engines.newManager()) {
            SearchNetwork network = (SearchNetwork) ModelFactory.buildAllocated(SearchNetworkTest.tiny(), manager);
            BlockParameters.load(network, ModelInitializer.initialize(network, 11));
            // A large α learning rate makes the effect of three steps easy to see.
            SearchSettings settings = new SearchSettings(1, 32, 0.025, 0.9, 3e-4, 5, 0.01, 1e-3, lambda, 5);
            SearchTrainer.Outcome outcome = SearchTrainer.search(network, train, validation, settings);
            assertEquals(3, outcome.training().steps());
            assertTrue(Double.isFinite(outcome.training().loss()));
            assertEquals(lambda == 0, Double.isNaN(outcome.architectureValidationLoss()));
            return BlockParameters.read(network);
        }
    }

    @Test
    void milenasMovesAlphaAndTheValidationTermMatters() {
        ModelParameters start = ModelInitializer.initialize(SearchNetworkTest.tiny(), 11);
        ModelParameters withValidation = search(1.0);
        ModelParameters trainOnly = search(0.0);
        for (String alpha : new String[] {SearchNetwork.ALPHA_NORMAL, SearchNetwork.ALPHA_REDUCE}) {
            float[] before = start.get(alpha).values();
            float[] after = withValidation.get(alpha).values();
            // Adam moves every entry by about its learning rate per step (0.01 here): far beyond float noise.
            double moved = 0;
            for (int i = 0; i < before.length; i++) {
                moved = Math.max(moved, Math.abs(after[i] - before[i]));
            }
            assertTrue(moved > 5e-3, alpha + " moved only " + moved);
            assertFalse(Arrays.equals(after, trainOnly.get(alpha).values()),
                    alpha + ": λ = 0 and λ = 1 gave the same α");
        }
        // The w step trains the weights too, and the search is deterministic in its seeds.
        assertFalse(Arrays.equals(start.get("classifier.weight").values(), withValidation.get("classifier.weight").values()));
        assertTrue(Arrays.equals(withValidation.get(SearchNetwork.ALPHA_NORMAL).values(),
                search(1.0).get(SearchNetwork.ALPHA_NORMAL).values()));
        assertEquals(null, withValidation.firstNonFinite());
    }
}
