package io.fedarch.core.algorithms.fedmetanas;

import io.fedarch.core.train.ClippedSgd;
import io.fedarch.core.train.ArchitectureAdam;
import io.fedarch.core.train.PairedBatches;
import io.fedarch.core.darts.SearchNetwork;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.locks.ReentrantLock;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.nn.Parameter;
import ai.djl.training.GradientCollector;
import ai.djl.training.ParameterStore;
import io.fedarch.core.data.ImageDataset;
import io.fedarch.core.model.BlockParameters;
import io.fedarch.core.model.Engines;
import io.fedarch.core.model.InPlaceWrite;
import io.fedarch.core.model.ModelFactory;
import io.fedarch.core.train.Batches;
import io.fedarch.core.train.GradientLock;
import io.fedarch.core.train.MamlGradient;
import io.fedarch.core.train.Metrics;
import io.fedarch.core.util.Seeds;

/**
 * FedMetaNAS's local procedure: the client is a MAML task over both the weights w and the
 * architecture α of the (relaxed, masked) supernet. For every training batch (the support set)
 * and the next validation batch (the query set):
 * <ol>
 *   <li>the task learner copies (w, α) and adapts both with k SGD steps on the support batch;</li>
 *   <li>the meta learner takes the query loss of the adapted learner, differentiates it with
 *       respect to the original (w, α) ({@link MamlGradient}: first or second order), and updates
 *       w by clipped SGD with momentum and α by Adam.</li>
 * </ol>
 * Every forward pass samples the relaxation afresh (Gumbel noise is seeded per step, so a
 * second-order Hessian at inner step j replays step j's sample). With a mask, pruned operations
 * are never evaluated, so a step costs less as the space shrinks.
 */
public final class MamlSearchTrainer {
    private static final long NOISE_SALT = 0x47554dL;

    /**
     * @param training     loss/accuracy of the unadapted learner on the support batches
     * @param queryLoss    mean query loss of the adapted learners
     * @param skippedSteps steps whose meta-gradient was not finite and was therefore not applied
     */
    public record Outcome(Metrics training, double queryLoss, int skippedSteps) {
    }

    private MamlSearchTrainer() {
    }

    /** Meta-trains {@code network} in place on one client's splits. */
    public static Outcome search(SearchNetwork network, ImageDataset train, ImageDataset validation,
                                 MamlSettings settings) {
        if (train.size() == 0 || settings.epochs() == 0) {
            return new Outcome(Metrics.empty(), Double.NaN, 0);
        }
        if (validation.size() == 0) {
            throw new IllegalArgumentException("FedMetaNAS needs a non-empty validation split (the query set)");
        }
        network.setRelaxation(settings.relaxation());
        List<Parameter> weights = network.weightParameters();
        List<Parameter> alphas = network.architectureParameters();
        List<Parameter> learned = new ArrayList<>(weights);
        learned.addAll(alphas);
        double[] innerRates = new double[learned.size()];
        for (int i = 0; i < innerRates.length; i++) {
            innerRates[i] = i < weights.size() ? settings.innerLearningRate() : settings.innerArchLearningRate();
        }
        PairedBatches batches = new PairedBatches(train, validation, settings.batchSize(), settings.shuffleSeed());
        double lossSum = 0;
        double queryLossSum = 0;
        long hits = 0;
        long seen = 0;
        int steps = 0;
        int skipped = 0;
        ReentrantLock lock = GradientLock.get();
        lock.lock();
        try (NDManager manager = Engines.newManager();
             GradientCollector collector = Engine.getInstance().newGradientCollector()) {
            ParameterStore store = new ParameterStore(manager, false);
            ClippedSgd sgd = new ClippedSgd(weights, manager, settings.momentum(), settings.weightDecay(),
                    settings.gradientClip());
            ArchitectureAdam adam = new ArchitectureAdam(alphas, settings.archLearningRate(), settings.archWeightDecay());
            for (int epoch = 0; epoch < settings.epochs(); epoch++) {
                batches.startEpoch(epoch);
                while (batches.hasNext()) {
                    try (NDManager batch = manager.newSubManager()) {
                        PairedBatches.Pair pair = batches.next(batch);
                        long stepSeed = Seeds.derive(settings.shuffleSeed(), NOISE_SALT, steps);
                        SupportAndQuery task = new SupportAndQuery(network, store, batch, pair.images(), pair.labels(),
                                pair.validationImages(), pair.validationLabels(), stepSeed);
                        MamlGradient.Result result = MamlGradient.compute(learned, innerRates, settings.innerSteps(),
                                settings.secondOrder(), task, batch);
                        if (!finite(result.gradient())) {
                            // Rare (seen once in six runs of the tests): a non-finite meta-gradient would poison
                            // w and α for every later step and round; the step is skipped and counted instead.
                            skipped++;
                            continue;
                        }
                        NDArray[] weightGradients = new NDArray[weights.size()];
                        System.arraycopy(result.gradient(), 0, weightGradients, 0, weights.size());
                        sgd.step(weightGradients, settings.learningRate());
                        List<float[]> alphaGradients = new ArrayList<>(alphas.size());
                        for (int i = 0; i < alphas.size(); i++) {
                            alphaGradients.add(result.gradient()[weights.size() + i].toFloatArray());
                        }
                        adam.step(alphaGradients);
                        lossSum += result.firstSupportLoss() * pair.size();
                        queryLossSum += result.queryLoss();
                        hits += Batches.correct(task.firstSupportLogits, pair.labelValues());
                        seen += pair.size();
                        steps++;
                    }
                }
            }
        } finally {
            lock.unlock();
        }
        return new Outcome(new Metrics(lossSum / seen, (double) hits / seen, train.size(), steps),
                queryLossSum / steps, skipped);
    }

    private static boolean finite(NDArray[] arrays) {
        for (NDArray a : arrays) {
            if (!Float.isFinite(a.sum().getFloat())) {
                return false;
            }
        }
        return true;
    }

    /** One client's task for one step: the support batch (training split) and the query batch (validation split). */
    private static final class SupportAndQuery implements MamlGradient.Task {
        private final SearchNetwork network;
        private final ParameterStore store;
        private final NDManager batch;
        private final NDArray x;
        private final NDArray y;
        private final NDArray vx;
        private final NDArray vy;
        private final long seed;
        NDArray firstSupportLogits;

        SupportAndQuery(SearchNetwork network, ParameterStore store, NDManager batch, NDArray x, NDArray y,
                        NDArray vx, NDArray vy, long seed) {
            this.network = network;
            this.store = store;
            this.batch = batch;
            this.x = x;
            this.y = y;
            this.vx = vx;
            this.vy = vy;
            this.seed = seed;
        }

        @Override
        public NDArray supportLoss(int step) {
            network.setNoiseSeed(Seeds.derive(seed, step));
            NDArray logits = network.forward(store, new NDList(x), true).singletonOrThrow();
            logits.attach(batch);
            if (step == 0 && firstSupportLogits == null) {
                firstSupportLogits = logits;
            }
            return Batches.crossEntropy(logits, y);
        }

        /**
         * A twin of the network (same options, relaxation and running statistics) whose
         * meta-learned parameters hold {@code values}; it lives in its own manager, closed with it.
         */
        @Override
        public MamlGradient.Copy copyAt(float[][] values) {
            NDManager scope = batch.newSubManager();
            SearchNetwork twin = new SearchNetwork(network.options());
            twin.initialize(scope, DataType.FLOAT32, ModelFactory.inputShape(network.options().input(), 1));
            BlockParameters.load(twin, BlockParameters.read(network));
            twin.setRelaxation(network.relaxation());
            List<Parameter> learned = new ArrayList<>(twin.weightParameters());
            learned.addAll(twin.architectureParameters());
            for (int i = 0; i < learned.size(); i++) {
                InPlaceWrite.overwrite(learned.get(i).getArray(), values[i]);
            }
            ParameterStore twinStore = new ParameterStore(scope, false);
            return new MamlGradient.Copy() {
                @Override
                public List<Parameter> parameters() {
                    return learned;
                }

                @Override
                public NDArray supportLoss(int step) {
                    twin.setNoiseSeed(Seeds.derive(seed, step));
                    NDArray logits = twin.forward(twinStore, new NDList(x), true).singletonOrThrow();
                    return Batches.crossEntropy(logits, y);
                }

                @Override
                public void close() {
                    scope.close();
                }
            };
        }

        @Override
        public NDArray queryLoss() {
            network.setNoiseSeed(Seeds.derive(seed, -1L));
            NDArray logits = network.forward(store, new NDList(vx), true).singletonOrThrow();
            logits.attach(batch);
            return Batches.crossEntropy(logits, vy);
        }
    }
}
