package io.fedarch.core.algorithms.fednas;

import io.fedarch.core.train.ClippedSgd;
import io.fedarch.core.train.PairedBatches;
import io.fedarch.core.darts.SearchNetwork;
import java.util.List;
import java.util.concurrent.locks.ReentrantLock;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.nn.Parameter;
import ai.djl.training.GradientCollector;
import ai.djl.training.ParameterStore;
import io.fedarch.core.data.ImageDataset;
import io.fedarch.core.model.Engines;
import io.fedarch.core.train.Batches;
import io.fedarch.core.train.GradientLock;
import io.fedarch.core.train.Metrics;

/**
 * Local architecture search on one client's data, MiLeNAS style as in FedNAS: for every training
 * batch, first the α step ({@link MileNasArchitect}) on that batch and the next validation batch,
 * then the w step: SGD with momentum and weight decay on the training loss, gradient clipped to
 * a global L2 norm. The validation split is cycled (reshuffled each pass) when it is shorter.
 * <p>
 * The learning rate is constant within a call: FedNAS treats a round like a DARTS epoch, so the
 * cosine schedule runs across rounds and the server sends each round's rate (see {@code FedNas}).
 * Momentum buffers and Adam moments start from zero on every call. During w warm-up
 * ({@link SearchSettings#architectureFrozen()}) the α step is skipped altogether.
 */
public final class SearchTrainer {
    /**
     * @param training                     running loss/accuracy of the w steps
     * @param architectureValidationLoss   mean validation loss seen by the α steps (NaN when λ = 0 or α is frozen)
     */
    public record Outcome(Metrics training, double architectureValidationLoss) {
    }

    private SearchTrainer() {
    }

    /** Searches in place: both the weights and α of {@code network} are updated. */
    public static Outcome search(SearchNetwork network, ImageDataset train, ImageDataset validation,
                                 SearchSettings settings) {
        return search(network, train, validation, settings, null);
    }

    /**
     * Searches in place with a further term in α's objective.
     *
     * @param penalty added to α's gradient at every α step, or null (FedNAS)
     */
    public static Outcome search(SearchNetwork network, ImageDataset train, ImageDataset validation,
                                 SearchSettings settings, ArchitecturePenalty penalty) {
        if (train.size() == 0 || settings.epochs() == 0) {
            return new Outcome(Metrics.empty(), Double.NaN);
        }
        if (validation.size() == 0) {
            throw new IllegalArgumentException("MiLeNAS needs a non-empty validation split");
        }
        MileNasArchitect architect = new MileNasArchitect(network, settings.archLearningRate(),
                settings.archWeightDecay(), settings.lambda(), penalty);
        List<Parameter> weights = network.weightParameters();
        List<Parameter> alphas = network.architectureParameters();
        PairedBatches batches = new PairedBatches(train, validation, settings.batchSize(), settings.shuffleSeed());
        double lossSum = 0;
        double validationLossSum = 0;
        long hits = 0;
        long seen = 0;
        int steps = 0;
        ReentrantLock lock = GradientLock.get();
        lock.lock();
        try (NDManager manager = Engines.newManager()) {
            ParameterStore store = new ParameterStore(manager, false);
            ClippedSgd sgd = new ClippedSgd(weights, manager, settings.momentum(), settings.weightDecay(),
                    settings.gradientClip());
            for (int epoch = 0; epoch < settings.epochs(); epoch++) {
                batches.startEpoch(epoch);
                while (batches.hasNext()) {
                    try (NDManager batch = manager.newSubManager()) {
                        PairedBatches.Pair pair = batches.next(batch);
                        NDArray x = pair.images();
                        NDArray y = pair.labels();
                        if (!settings.architectureFrozen()) {
                            MileNasArchitect.StepLosses arch = architect.step(store, x, y, pair.validationImages(),
                                    pair.validationLabels());
                            validationLossSum += arch.validation();
                        }

                        // w step at the updated α; α itself needs no gradient here.
                        MileNasArchitect.setRequiresGradient(alphas, false);
                        NDArray logits;
                        NDArray loss;
                        try (GradientCollector collector = Engine.getInstance().newGradientCollector()) {
                            logits = network.forward(store, new NDList(x), true).singletonOrThrow();
                            loss = Batches.crossEntropy(logits, y);
                            collector.backward(loss);
                        } finally {
                            MileNasArchitect.setRequiresGradient(alphas, true);
                        }
                        sgd.step(gradients(weights, batch), settings.learningRate());
                        lossSum += loss.getFloat() * (double) pair.size();
                        hits += Batches.correct(logits, pair.labelValues());
                        seen += pair.size();
                        steps++;
                    }
                }
            }
        } finally {
            lock.unlock();
        }
        return new Outcome(new Metrics(lossSum / seen, (double) hits / seen, train.size(), steps),
                settings.architectureFrozen() ? Double.NaN : validationLossSum / steps);
    }

    /** The weights' gradients, given to the batch so the fresh handles are freed with it. */
    private static NDArray[] gradients(List<Parameter> weights, NDManager batch) {
        NDArray[] gradients = new NDArray[weights.size()];
        for (int i = 0; i < gradients.length; i++) {
            gradients[i] = weights.get(i).getArray().getGradient();
            gradients[i].attach(batch);
        }
        return gradients;
    }
}
