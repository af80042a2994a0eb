package io.fedarch.core.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;

import org.junit.jupiter.api.Test;

import ai.djl.ndarray.NDManager;
import ai.djl.nn.Block;
import io.fedarch.core.data.FashionMnist;
import io.fedarch.core.data.ImageDataset;
import io.fedarch.core.model.BlockParameters;
import io.fedarch.core.model.ModelFactory;
import io.fedarch.core.model.ModelInitializer;
import io.fedarch.events.ModelSpec;

class LocalTrainerTest {
    private static final ModelSpec SPEC = ModelSpec.newBuilder().setFamily("cnn").setOptions(Map.of()).build();

    @Test
    void trainingLearnsAndEvaluationIsBatchSizeInvariant() {
        ImageDataset train = FashionMnist.load(FashionMnist.DEFAULT_DIR, FashionMnist.Split.TRAIN, 2000);
        ImageDataset test = FashionMnist.load(FashionMnist.DEFAULT_DIR, FashionMnist.Split.TEST, 500);
        try (NDManager manager = NDManager.newBaseManager()) {
            Block block = ModelFactory.buildAllocated(SPEC, manager);
            BlockParameters.load(block, ModelInitializer.initialize(SPEC, 1));
            Metrics before = Evaluator.evaluate(block, test, 500);
            assertEquals(Math.log(10), before.loss(), 0.3, "an untrained 10-way classifier has loss near ln 10");

            Metrics trained = LocalTrainer.train(block, train, new TrainingSettings(2, 32, 0.05, 0.9, 1e-4, 3));
            assertEquals(2 * ((2000 + 31) / 32), trained.steps());
            assertEquals(2000, trained.samples());

            Metrics whole = Evaluator.evaluate(block, test, 500);
            Metrics small = Evaluator.evaluate(block, test, 7);
            assertTrue(whole.accuracy() >= 0.7, "test accuracy after 2 epochs on 2000 images: " + whole.accuracy());
            assertTrue(whole.loss() < before.loss());
            assertEquals(whole.accuracy(), small.accuracy(), 1e-9);
            assertEquals(whole.loss(), small.loss(), 1e-4);
            assertEquals(500, whole.samples());
        }
    }
}
