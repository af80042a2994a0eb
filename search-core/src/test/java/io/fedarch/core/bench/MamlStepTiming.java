package io.fedarch.core.bench;

import io.fedarch.core.darts.DartsFamily;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import ai.djl.ndarray.NDManager;
import io.fedarch.core.darts.CellTopology;
import io.fedarch.core.darts.DartsOptions;
import io.fedarch.core.algorithms.fedmetanas.MamlSearchTrainer;
import io.fedarch.core.algorithms.fedmetanas.MamlSettings;
import io.fedarch.core.darts.MixingMode;
import io.fedarch.core.darts.OperationMask;
import io.fedarch.core.darts.Relaxation;
import io.fedarch.core.darts.SearchNetwork;
import io.fedarch.core.algorithms.fednas.SearchSettings;
import io.fedarch.core.algorithms.fednas.SearchTrainer;
import io.fedarch.core.data.FashionMnist;
import io.fedarch.core.data.ImageDataset;
import io.fedarch.core.model.BlockParameters;
import io.fedarch.core.model.Engines;
import io.fedarch.core.model.ModelFactory;
import io.fedarch.core.model.ModelInitializer;
import io.fedarch.events.ModelSpec;

/**
 * Milliseconds per local step of FedMetaNAS's MAML procedure against FedNAS's MiLeNAS step, on
 * the same supernet and batches: first- and second-order MAML, hard and soft Gumbel-softmax, the
 * whole space and the discrete (fully pruned) one. Usage: MamlStepTiming channels layers stemStride batch [steps].
 */
public final class MamlStepTiming {
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
        ModelSpec spec = ModelSpec.newBuilder().setFamily(DartsFamily.NAME).setOptions(options).build();
        ImageDataset all = FashionMnist.load(FashionMnist.DEFAULT_DIR, FashionMnist.Split.TRAIN, (steps + 2) * batch * 2);
        ImageDataset train = all.head(steps * batch);
        ImageDataset warm = all.head(2 * batch);
        ImageDataset validation = all.select(range(steps * batch, (steps + 2) * batch * 2));
        DartsOptions darts = DartsFamily.options(spec);
        OperationMask discrete = discreteMask(darts.operationNames());

        try (NDManager manager = Engines.newManager()) {
            SearchNetwork network = (SearchNetwork) ModelFactory.buildAllocated(spec, manager);
            BlockParameters.load(network, ModelInitializer.initialize(network, 42));
            SearchSettings mile = new SearchSettings(1, batch, 0.025, 0.9, 3e-4, 5, 3e-4, 1e-3, 1.0, 1);
            SearchTrainer.search(network, warm, validation, mile);
            long start = System.nanoTime();
            int done = SearchTrainer.search(network, train, validation, mile).training().steps();
            report("FedNAS MiLeNAS step (softmax, all operations)", start, done);
        }
        for (boolean secondOrder : new boolean[] {false, true}) {
            for (MixingMode mode : List.of(MixingMode.GUMBEL_HARD, MixingMode.GUMBEL_SOFT)) {
                for (OperationMask mask : new OperationMask[] {null, discrete}) {
                    try (NDManager manager = Engines.newManager()) {
                        SearchNetwork network = (SearchNetwork) ModelFactory.buildAllocated(spec, manager);
                        BlockParameters.load(network, ModelInitializer.initialize(network, 42));
                        MamlSettings settings = new MamlSettings(1, batch, 0.05, 0.9, 3e-4, 5, 3e-3, 1e-3, 1, 0.05,
                                0.05, secondOrder, new Relaxation(mode, 5.0, mask), 1);
                        MamlSearchTrainer.search(network, warm, validation, settings);
                        long start = System.nanoTime();
                        int done = MamlSearchTrainer.search(network, train, validation, settings).training().steps();
                        report("FedMetaNAS MAML step, " + (secondOrder ? "second" : "first") + " order, "
                                + mode + ", " + (mask == null ? "whole space" : "discrete mask (16 of 224 operations)"),
                                start, done);
                    }
                }
            }
        }
    }

    private static void report(String what, long startNanos, int steps) {
        System.out.printf("%-95s %8.1f ms per step over %d steps%n", what, (System.nanoTime() - startNanos) / 1e6 / steps,
                steps);
    }

    /** Node j keeps its edges from states j and j+1 with sep_conv_3x3: 8 operations per cell type. */
    static OperationMask discreteMask(List<String> ops) {
        float[][] rows = new float[CellTopology.EDGES][ops.size()];
        int sep = ops.indexOf("sep_conv_3x3");
        for (int node = 0; node < CellTopology.NODES; node++) {
            rows[CellTopology.edge(node, node)][sep] = 1f;
            rows[CellTopology.edge(node + 1, node)][sep] = 1f;
        }
        return OperationMask.of(ops, rows, rows);
    }

    private static int[] range(int from, int to) {
        int[] idx = new int[to - from];
        for (int i = 0; i < idx.length; i++) {
            idx[i] = from + i;
        }
        return idx;
    }
}
