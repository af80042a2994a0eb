package io.fedarch.core.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.time.Instant;
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

/** Review finding H7: a task whose deadline passes mid-training is abandoned at the next batch. */
class TaskDeadlineTest {
    private static final ModelSpec SPEC = ModelSpec.newBuilder().setFamily("cnn").setOptions(Map.of()).build();

    @Test
    void trainingStopsAtTheFirstBatchAfterTheDeadline() {
        ImageDataset train = FashionMnist.load(FashionMnist.DEFAULT_DIR, FashionMnist.Split.TRAIN, 2000);
        try (NDManager manager = NDManager.newBaseManager()) {
            Block block = ModelFactory.buildAllocated(SPEC, manager);
            BlockParameters.load(block, ModelInitializer.initialize(SPEC, 1));
            // 100 epochs would take minutes; the task has 300 ms.
            Instant deadline = Instant.now().plusMillis(300);
            long start = System.nanoTime();
            assertThrows(TaskDeadline.PassedException.class, () -> TaskDeadline.within(deadline,
                    () -> LocalTrainer.train(block, train, new TrainingSettings(100, 32, 0.05, 0.9, 0, 3))));
            Duration took = Duration.ofNanos(System.nanoTime() - start);
            assertTrue(took.compareTo(Duration.ofSeconds(5)) < 0, "abandoned after " + took);

            // Without a deadline (in-process runs) the same training runs to its end.
            Metrics one = LocalTrainer.train(block, train.head(64), new TrainingSettings(1, 32, 0.05, 0.9, 0, 3));
            assertEquals(2, one.steps());
        }
    }
}
