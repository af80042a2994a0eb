package io.fedarch.core.bench;

import io.fedarch.core.darts.DartsFamily;
import java.util.LinkedHashMap;
import java.util.Map;

import ai.djl.ndarray.NDManager;
import io.fedarch.core.darts.SearchNetwork;
import io.fedarch.core.algorithms.fednas.SearchSettings;
import io.fedarch.core.algorithms.fednas.SearchTrainer;
import io.fedarch.core.data.FashionMnist;
import io.fedarch.core.data.ImageDataset;
import io.fedarch.core.model.BlockParameters;
import io.fedarch.core.model.Engines;
import io.fedarch.core.model.ModelFactory;
import io.fedarch.core.model.ModelInitializer;
import io.fedarch.core.model.ModelSummary;
import io.fedarch.events.ModelSpec;

/**
 * Milliseconds per MiLeNAS step (α step on a train and a validation batch, then the w step) of the
 * DARTS search network on Fashion-MNIST. Usage:
 * SearchStepTiming channels layers stemStride batch [steps] [ops].
 */
public final class SearchStepTiming {
    public static void main(String[] args) {
        int channels = args.length > 0 ? Integer.parseInt(args[0]) : 4;
        int layers = args.length > 1 ? Integer.parseInt(args[1]) : 3;
        int stemStride = args.length > 2 ? Integer.parseInt(args[2]) : 2;
        int batch = args.length > 3 ? Integer.parseInt(args[3]) : 64;
        int steps = args.length > 4 ? Integer.parseInt(args[4]) : 10;
        Map<String, String> options = new LinkedHashMap<>();
        options.put("channels", Integer.toString(channels));
        options.put("layers", Integer.toString(layers));
        options.put("stemStride", Integer.toString(stemStride));
        if (args.length > 5) {
            options.put("ops", args[5]);
        }
        ModelSpec spec = ModelSpec.newBuilder().setFamily(DartsFamily.NAME).setOptions(options).build();
        ImageDataset all = FashionMnist.load(FashionMnist.DEFAULT_DIR, FashionMnist.Split.TRAIN, (steps + 2) * batch * 2);
        ImageDataset train = all.head(steps * batch);
        ImageDataset warmTrain = all.head(2 * batch);
        ImageDataset validation = all.select(range(steps * batch, (steps + 2) * batch * 2));
        ModelSummary summary = ModelSummary.of(spec);
        try (NDManager manager = Engines.newManager()) {
            SearchNetwork network = (SearchNetwork) ModelFactory.buildAllocated(spec, manager);
            BlockParameters.load(network, ModelInitializer.initialize(network, 42));
            SearchSettings settings = new SearchSettings(1, batch, 0.025, 0.9, 3e-4, 5, 3e-4, 1e-3, 1.0, 1);
            // Warm-up: the first steps pay for native initialisation and oneDNN kernel selection.
            SearchTrainer.search(network, warmTrain, validation, settings);
            long start = System.nanoTime();
            long cpuStart = processCpuNanos();
            SearchTrainer.Outcome outcome = SearchTrainer.search(network, train, validation, settings);
            double ms = (System.nanoTime() - start) / 1e6 / outcome.training().steps();
            // CPU time of the whole process (all native threads): a fairer A/B figure on a busy machine.
            double cpuMs = (processCpuNanos() - cpuStart) / 1e6 / outcome.training().steps();
            System.out.printf("darts %s batch %d: params=%d macs=%d; %.1f ms per MiLeNAS step over %d steps"
                            + " (%.1f CPU ms per step; train loss %.3f acc %.3f, val loss %.3f)%n",
                    options, batch, summary.parameters(), summary.macs(), ms, outcome.training().steps(), cpuMs,
                    outcome.training().loss(), outcome.training().accuracy(), outcome.architectureValidationLoss());
        }
    }

    private static long processCpuNanos() {
        return ((com.sun.management.OperatingSystemMXBean) java.lang.management.ManagementFactory
                .getOperatingSystemMXBean()).getProcessCpuTime();
    }

    private static int[] range(int from, int to) {
        int[] idx = new int[to - from];
        for (int i = 0; i < idx.length; i++) {
            idx[i] = from + i;
        }
        return idx;
    }
}
