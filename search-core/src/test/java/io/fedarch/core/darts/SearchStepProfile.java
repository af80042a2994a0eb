package io.fedarch.core.darts;

import io.fedarch.core.algorithms.fednas.MileNasArchitect;
import io.fedarch.core.algorithms.fednas.SearchTrainer;
import io.fedarch.core.algorithms.fednas.SearchSettings;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.nn.Parameter;
import ai.djl.pytorch.jni.JniUtils;
import ai.djl.training.GradientCollector;
import ai.djl.training.ParameterStore;
import io.fedarch.core.data.FashionMnist;
import io.fedarch.core.data.ImageDataset;
import io.fedarch.core.model.BlockParameters;
import io.fedarch.core.model.Engines;
import io.fedarch.core.model.InPlaceWrite;
import io.fedarch.core.model.ModelFactory;
import io.fedarch.core.model.ModelInitializer;
import io.fedarch.core.train.Batches;
import io.fedarch.events.ModelSpec;

/**
 * Where the time of one MiLeNAS step goes (a bench tool, not a test). Usage:
 * SearchStepProfile channels layers stemStride batch steps mode [traceFile], mode = phases | trace.
 * <ul>
 *   <li>phases: the step of {@link SearchTrainer#search} written out with wall-clock timers around
 *       its phases (PyTorch on CPU runs each op synchronously, so no waits are needed);</li>
 *   <li>trace: {@link SearchTrainer#search} itself under PyTorch's profiler (chrome-trace JSON);
 *       aggregate with bench/aggregate_trace.py.</li>
 * </ul>
 */
public final class SearchStepProfile {
    private static final String[] PHASES = {"alpha.forward.train", "alpha.forward.val", "alpha.backward(both)",
        "alpha.adam", "w.forward", "w.backward", "w.clip+sgd", "other"};

    public static void main(String[] args) {
        int channels = Integer.parseInt(args[0]);
        int layers = Integer.parseInt(args[1]);
        int stemStride = Integer.parseInt(args[2]);
        int batch = Integer.parseInt(args[3]);
        int steps = Integer.parseInt(args[4]);
        String mode = args[5];
        Map<String, String> options = new LinkedHashMap<>();
        options.put("channels", Integer.toString(channels));
        options.put("layers", Integer.toString(layers));
        options.put("stemStride", Integer.toString(stemStride));
        ModelSpec spec = ModelSpec.newBuilder().setFamily(DartsFamily.NAME).setOptions(options).build();
        ImageDataset all = FashionMnist.load(FashionMnist.DEFAULT_DIR, FashionMnist.Split.TRAIN, (steps + 2) * batch * 2);
        ImageDataset train = all.head(steps * batch);
        ImageDataset warmTrain = all.head(2 * batch);
        int[] rest = new int[(steps + 2) * batch * 2 - steps * batch];
        Arrays.setAll(rest, i -> steps * batch + i);
        ImageDataset validation = all.select(rest);
        SearchSettings settings = new SearchSettings(1, batch, 0.025, 0.9, 3e-4, 5, 3e-4, 1e-3, 1.0, 1);
        try (NDManager manager = Engines.newManager()) {
            SearchNetwork network = (SearchNetwork) ModelFactory.buildAllocated(spec, manager);
            BlockParameters.load(network, ModelInitializer.initialize(network, 42));
            System.out.printf("torch threads=%d interop=%d%n", JniUtils.getNumThreads(), JniUtils.getNumInteropThreads());
            SearchTrainer.search(network, warmTrain, validation, settings);
            if (mode.equals("trace")) {
                JniUtils.startProfile(false, true, false);
                long start = System.nanoTime();
                SearchTrainer.Outcome outcome = SearchTrainer.search(network, train, validation, settings);
                double ms = (System.nanoTime() - start) / 1e6 / outcome.training().steps();
                JniUtils.stopProfile(args[6]);
                System.out.printf("traced %d steps, %.1f ms per step under the profiler -> %s%n",
                        outcome.training().steps(), ms, args[6]);
            } else if (mode.equals("dump")) {
                // Behaviour check: every parameter after the warm-up and `steps` search steps, as text.
                SearchTrainer.Outcome outcome = SearchTrainer.search(network, train, validation, settings);
                io.fedarch.core.tensor.ModelParameters after = BlockParameters.read(network);
                try (java.io.PrintWriter out = new java.io.PrintWriter(args[6])) {
                    out.printf("loss %s acc %s val %s%n", outcome.training().loss(), outcome.training().accuracy(),
                            outcome.architectureValidationLoss());
                    for (String name : after.names()) {
                        out.println(name + " " + Arrays.toString(after.get(name).values()));
                    }
                } catch (java.io.IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            } else {
                phases(network, train, validation, settings, steps);
            }
        }
    }

    private static void phases(SearchNetwork network, ImageDataset train, ImageDataset validation,
                               SearchSettings settings, int steps) {
        MileNasArchitect architect = new MileNasArchitect(network, settings.archLearningRate(),
                settings.archWeightDecay(), settings.lambda());
        List<Parameter> weights = network.weightParameters();
        List<Parameter> alphas = network.architectureParameters();
        int b = settings.batchSize();
        int[] order = new int[train.size()];
        Arrays.setAll(order, i -> i);
        int[] vOrder = new int[validation.size()];
        Arrays.setAll(vOrder, i -> i);
        double[] total = new double[PHASES.length];
        long stepStart = 0;
        double stepTotal = 0;
        try (NDManager manager = Engines.newManager()) {
            ParameterStore store = new ParameterStore(manager, false);
            NDArray[] momentum = new NDArray[weights.size()];
            for (int i = 0; i < momentum.length; i++) {
                momentum[i] = manager.zeros(weights.get(i).getArray().getShape());
            }
            for (int s = 0; s < steps; s++) {
                try (NDManager batch = manager.newSubManager()) {
                    stepStart = System.nanoTime();
                    NDArray x = Batches.images(batch, train, order, s * b, (s + 1) * b);
                    NDArray y = Batches.labels(batch, train, order, s * b, (s + 1) * b);
                    NDArray vx = Batches.images(batch, validation, vOrder, s * b, (s + 1) * b);
                    NDArray vy = Batches.labels(batch, validation, vOrder, s * b, (s + 1) * b);
                    long t = System.nanoTime();
                    total[7] += t - stepStart;
                    // α step (MileNasArchitect.step, written out): each loss forward and backward in its own scope
                    MileNasArchitect.setRequiresGradient(weights, false);
                    try (GradientCollector collector = Engine.getInstance().newGradientCollector()) {
                        try (NDManager scope = batch.newSubManager()) {
                            scope.tempAttachAll(x, y);
                            NDArray tl = Batches.crossEntropy(network.forward(store, new NDList(x), true).singletonOrThrow(), y);
                            t = lap(total, 0, t);
                            collector.backward(tl);
                            tl.getFloat();
                            t = lap(total, 2, t);
                        }
                        try (NDManager scope = batch.newSubManager()) {
                            scope.tempAttachAll(vx, vy);
                            NDArray vl = Batches.crossEntropy(network.forward(store, new NDList(vx), true).singletonOrThrow(), vy);
                            t = lap(total, 1, t);
                            collector.backward(vl);
                            vl.getFloat();
                            t = lap(total, 2, t);
                        }
                    } finally {
                        MileNasArchitect.setRequiresGradient(weights, true);
                    }
                    for (Parameter p : alphas) {
                        NDArray alpha = p.getArray();
                        float[] values = alpha.toFloatArray();
                        try (NDArray gradient = alpha.getGradient()) {
                            gradient.toFloatArray();
                            gradient.subi(gradient);
                        }
                        InPlaceWrite.overwrite(alpha, values); // same engine traffic as Adam; values unchanged here
                    }
                    t = lap(total, 3, t);
                    // w step (SearchTrainer, written out)
                    MileNasArchitect.setRequiresGradient(alphas, false);
                    NDArray loss;
                    try (GradientCollector collector = Engine.getInstance().newGradientCollector()) {
                        loss = Batches.crossEntropy(network.forward(store, new NDList(x), true).singletonOrThrow(), y);
                        t = lap(total, 4, t);
                        collector.backward(loss);
                        t = lap(total, 5, t);
                    } finally {
                        MileNasArchitect.setRequiresGradient(alphas, true);
                    }
                    NDArray[] gradients = new NDArray[weights.size()];
                    NDList norms = new NDList(weights.size());
                    for (int i = 0; i < gradients.length; i++) {
                        gradients[i] = weights.get(i).getArray().getGradient();
                        gradients[i].attach(batch);
                        norms.add(gradients[i].norm());
                    }
                    double norm = NDArrays.stack(norms).norm().getFloat();
                    float rescale = (float) Math.min(1.0, settings.gradientClip() / (norm + 1e-6));
                    for (int i = 0; i < gradients.length; i++) {
                        NDArray weight = weights.get(i).getArray();
                        weight.getNDArrayInternal().sgdUpdate(new NDList(weight, gradients[i], momentum[i]),
                                new NDList(weight), (float) settings.learningRate(), (float) settings.weightDecay(),
                                rescale, -1f, (float) settings.momentum(), false);
                    }
                    loss.getFloat();
                    lap(total, 6, t);
                }
                stepTotal += System.nanoTime() - stepStart;
            }
        }
        System.out.printf("%d weight tensors, %d steps; ms per step:%n", weights.size(), steps);
        double sum = 0;
        for (int i = 0; i < PHASES.length; i++) {
            sum += total[i];
            System.out.printf("  %-22s %9.1f  %5.1f%%%n", PHASES[i], total[i] / 1e6 / steps, 100 * total[i] / stepTotal);
        }
        System.out.printf("  %-22s %9.1f  (unaccounted %.1f: batch close)%n", "step", stepTotal / 1e6 / steps,
                (stepTotal - sum) / 1e6 / steps);
    }

    private static long lap(double[] total, int phase, long since) {
        long now = System.nanoTime();
        total[phase] += now - since;
        return now;
    }
}
