package io.fedarch.core.train;

import io.fedarch.core.model.Engines;
import java.util.Random;
import java.util.concurrent.locks.ReentrantLock;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import ai.djl.training.GradientCollector;
import ai.djl.training.ParameterStore;
import ai.djl.training.optimizer.Optimizer;
import ai.djl.training.tracker.Tracker;
import ai.djl.util.Pair;
import io.fedarch.core.data.ImageDataset;
import io.fedarch.core.util.Seeds;

/**
 * Mini-batch SGD (momentum, weight decay) of a block on a client's training split. The block is
 * trained in place; the momentum buffer starts from zero on every call, as in FedAvg clients.
 */
public final class LocalTrainer {
    /** One open GradientCollector per JVM: see {@link GradientLock}. */
    private static final ReentrantLock GRADIENT_LOCK = GradientLock.get();

    private LocalTrainer() {
    }

    /** What a training loop does after each batch's backward pass: update the weights and clear the gradients. */
    @FunctionalInterface
    public interface Update {
        /** @param epoch the current epoch, 0-based */
        void apply(int epoch);
    }

    /** Trains for {@code settings.epochs()} passes over {@code data}; returns the running training metrics. */
    public static Metrics train(Block block, ImageDataset data, TrainingSettings settings) {
        Optimizer sgd = Optimizer.sgd()
                .setLearningRateTracker(Tracker.fixed((float) settings.learningRate()))
                .optMomentum((float) settings.momentum())
                .optWeightDecays((float) settings.weightDecay())
                .build();
        return run(block, data, settings.epochs(), settings.batchSize(), settings.shuffleSeed(), epoch -> step(block, sgd));
    }

    /**
     * The mini-batch loop every local trainer shares: per epoch a seeded shuffle, then per batch a
     * training forward pass, cross-entropy, backward, and {@code update}.
     */
    public static Metrics run(Block block, ImageDataset data, int epochs, int batchSize, long shuffleSeed,
                              Update update) {
        if (data.size() == 0 || epochs == 0) {
            return Metrics.empty();
        }
        int[] order = new int[data.size()];
        double lossSum = 0;
        long hits = 0;
        long seen = 0;
        int steps = 0;
        GRADIENT_LOCK.lock();
        try (NDManager manager = Engines.newManager()) {
            ParameterStore parameters = new ParameterStore(manager, false);
            for (int epoch = 0; epoch < epochs; epoch++) {
                for (int i = 0; i < order.length; i++) {
                    order[i] = i;
                }
                Seeds.shuffle(order, new Random(Seeds.derive(shuffleSeed, epoch)));
                for (int from = 0; from < order.length; from += batchSize) {
                    int to = Math.min(order.length, from + batchSize);
                    try (NDManager batch = manager.newSubManager()) {
                        NDArray x = Batches.images(batch, data, order, from, to);
                        NDArray y = Batches.labels(batch, data, order, from, to);
                        NDArray logits;
                        NDArray loss;
                        try (GradientCollector collector = Engine.getInstance().newGradientCollector()) {
                            logits = block.forward(parameters, new NDList(x), true).singletonOrThrow();
                            loss = Batches.crossEntropy(logits, y);
                            collector.backward(loss);
                        }
                        update.apply(epoch);
                        lossSum += loss.getFloat() * (double) (to - from);
                        hits += Batches.correct(logits, Batches.labelValues(data, order, from, to));
                        seen += to - from;
                        steps++;
                    }
                }
            }
        } finally {
            GRADIENT_LOCK.unlock();
        }
        return new Metrics(lossSum / seen, (double) hits / seen, data.size(), steps);
    }

    /** Applies the optimiser to every trainable parameter, then clears the gradient PyTorch accumulates into. */
    private static void step(Block block, Optimizer optimizer) {
        for (Pair<String, Parameter> p : block.getParameters()) {
            Parameter parameter = p.getValue();
            if (!parameter.requiresGradient()) {
                continue;
            }
            NDArray weight = parameter.getArray();
            try (NDArray gradient = weight.getGradient()) {
                optimizer.update(parameter.getId(), weight, gradient);
                gradient.subi(gradient);
            }
        }
    }
}
