package io.fedarch.core.bench;

import java.util.Map;

import ai.djl.ndarray.NDManager;
import ai.djl.nn.Block;
import io.fedarch.core.data.FashionMnist;
import io.fedarch.core.data.ImageDataset;
import io.fedarch.core.model.BlockParameters;
import io.fedarch.core.model.ModelFactory;
import io.fedarch.core.model.ModelInitializer;
import io.fedarch.core.model.ModelSummary;
import io.fedarch.core.train.Evaluator;
import io.fedarch.core.train.LocalTrainer;
import io.fedarch.core.train.Metrics;
import io.fedarch.core.train.TrainingSettings;
import io.fedarch.events.ModelSpec;

/**
 * Measures one local epoch over 6000 Fashion-MNIST images (batch 64) for a CNN size, then the
 * accuracy of that single epoch on 2000 test images. Usage: EpochTiming conv1 conv2 hidden [epochs].
 */
public final class EpochTiming {
    public static void main(String[] args) {
        Map<String, String> options = args.length >= 3
                ? Map.of("conv1", args[0], "conv2", args[1], "hidden", args[2]) : Map.of();
        int epochs = args.length >= 4 ? Integer.parseInt(args[3]) : 1;
        ModelSpec spec = ModelSpec.newBuilder().setFamily("cnn").setOptions(options).build();
        ImageDataset train = FashionMnist.load(FashionMnist.DEFAULT_DIR, FashionMnist.Split.TRAIN, 6000);
        ImageDataset test = FashionMnist.load(FashionMnist.DEFAULT_DIR, FashionMnist.Split.TEST, 2000);
        ModelSummary summary = ModelSummary.of(spec);
        try (NDManager manager = NDManager.newBaseManager()) {
            Block block = ModelFactory.buildAllocated(spec, manager);
            BlockParameters.load(block, ModelInitializer.initialize(spec, 42));
            // Warm-up so the first measured epoch does not pay for native initialisation.
            LocalTrainer.train(block, train.head(256), new TrainingSettings(1, 64, 0.01, 0.9, 0, 1));
            for (int e = 1; e <= epochs; e++) {
                long start = System.nanoTime();
                Metrics m = LocalTrainer.train(block, train, new TrainingSettings(1, 64, 0.05, 0.9, 0, e));
                long trainMs = (System.nanoTime() - start) / 1_000_000;
                start = System.nanoTime();
                Metrics t = Evaluator.evaluate(block, test, 500);
                long evalMs = (System.nanoTime() - start) / 1_000_000;
                System.out.printf("cnn %s params=%d macs=%d epoch %d: %d ms (%d steps, loss %.3f acc %.3f); test acc %.3f in %d ms%n",
                        options, summary.parameters(), summary.macs(), e, trainMs, m.steps(), m.loss(), m.accuracy(),
                        t.accuracy(), evalMs);
            }
        }
    }
}
