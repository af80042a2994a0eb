package io.fedarch.core.darts;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;

import org.junit.jupiter.api.Test;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import ai.djl.training.ParameterStore;
import io.fedarch.core.model.BlockParameters;
import io.fedarch.core.model.Engines;
import io.fedarch.core.model.ModelFactory;
import io.fedarch.core.model.ModelInitializer;
import io.fedarch.core.tensor.ModelParameters;
import io.fedarch.core.tensor.NamedTensor;
import io.fedarch.events.ModelSpec;

/** The sparse (masked or sampled) evaluation path of the supernet. */
class MaskedSearchTest {
    private static final ModelSpec SPEC = SearchNetworkTest.darts(Map.of("channels", "4", "layers", "3", "stemStride", "2"));
    private static final List<String> OPS = DartsOptions.DEFAULTS.operationNames();

    private static float[] ones() {
        float[] f = new float[CellTopology.EDGES * OPS.size()];
        Arrays.fill(f, 1f);
        return f;
    }

    /** Prunes column {@code op} on every edge. */
    private static float[] without(int op) {
        float[] f = ones();
        for (int e = 0; e < CellTopology.EDGES; e++) {
            f[e * OPS.size() + op] = 0f;
        }
        return f;
    }

    private static NDArray forward(SearchNetwork network, NDArray images, boolean training) {
        return network.forward(new ParameterStore(images.getManager(), false), new NDList(images), training)
                .singletonOrThrow();
    }

    /**
     * Masking an operation out must equal the fused DARTS evaluation with that operation's α at −∞:
     * the sparse path slices every operation's weights and BN statistics out of the stacked tensors.
     * Checked for every operation (training-mode BN, so every running statistic is exercised).
     */
    @Test
    void theSparsePathComputesWhatTheFusedPathComputes() {
        ModelParameters init = ModelInitializer.initialize(SPEC, 11);
        try (NDManager manager = Engines.newManager()) {
            NDArray images = manager.randomNormal(new Shape(4, 1, 28, 28));
            for (int op = 0; op < OPS.size(); op++) {
                SearchNetwork sparse = (SearchNetwork) ModelFactory.buildAllocated(SPEC, manager);
                BlockParameters.load(sparse, init);
                sparse.setRelaxation(new Relaxation(MixingMode.SOFTMAX, 1, new OperationMask(OPS, without(op), without(op))));
                SearchNetwork fused = (SearchNetwork) ModelFactory.buildAllocated(SPEC, manager);
                BlockParameters.load(fused, withAlphaAt(init, op, -1e30f));
                float[] expected = forward(fused, images, true).toFloatArray();
                float[] actual = forward(sparse, images, true).toFloatArray();
                for (int i = 0; i < expected.length; i++) {
                    assertEquals(expected[i], actual[i], 1e-3 * Math.max(1, Math.abs(expected[i])),
                            "op " + OPS.get(op) + " logit " + i);
                }
                // Inference mode reads the running statistics both paths just updated.
                float[] expectedEval = forward(fused, images, false).toFloatArray();
                float[] actualEval = forward(sparse, images, false).toFloatArray();
                for (int i = 0; i < expectedEval.length; i++) {
                    assertEquals(expectedEval[i], actualEval[i], 1e-3 * Math.max(1, Math.abs(expectedEval[i])));
                }
            }
        }
    }

    private static ModelParameters withAlphaAt(ModelParameters model, int op, float value) {
        List<NamedTensor> tensors = new java.util.ArrayList<>();
        for (String name : model.names()) {
            NamedTensor t = model.get(name);
            if (name.startsWith("alpha.")) {
                float[] values = t.values().clone();
                for (int e = 0; e < CellTopology.EDGES; e++) {
                    values[e * OPS.size() + op] = value;
                }
                t = new NamedTensor(name, t.shape(), values);
            }
            tensors.add(t);
        }
        return new ModelParameters(tensors);
    }

    /**
     * A pruned operation costs nothing: after a training step its BN running statistics have not
     * moved (it was never evaluated) and its weights received no gradient, while every active
     * operation's statistics moved.
     */
    @Test
    void aMaskedOperationIsNeverEvaluated() {
        int sep3 = OPS.indexOf("sep_conv_3x3");
        int maxPool = OPS.indexOf("max_pool_3x3");
        float[] mask = ones();
        for (int e = 0; e < CellTopology.EDGES; e++) {
            mask[e * OPS.size() + sep3] = 0f;
            mask[e * OPS.size() + maxPool] = 0f;
        }
        ModelParameters init = ModelInitializer.initialize(SPEC, 3);
        try (NDManager manager = Engines.newManager()) {
            SearchNetwork network = (SearchNetwork) ModelFactory.buildAllocated(SPEC, manager);
            BlockParameters.load(network, init);
            network.setRelaxation(new Relaxation(MixingMode.GUMBEL_SOFT, 1, new OperationMask(OPS, mask, mask)));
            try (GradientCollector collector = Engine.getInstance().newGradientCollector()) {
                NDArray loss = forward(network, manager.randomNormal(new Shape(8, 1, 28, 28)), true).square().mean();
                collector.backward(loss);
                Map<String, ai.djl.nn.Parameter> named = network.namedParameters();
                // Stacking order of convs.bn1 is sep_conv_3x3 first (FUSION_ORDER): rows [0, edges·C).
                int edges = CellTopology.outDegree(0);
                float[] bn1 = named.get("cells.0.state0.convs.bn1.running_mean").getArray().toFloatArray();
                for (int i = 0; i < edges * 4; i++) {
                    assertEquals(0f, bn1[i], "sep_conv_3x3 BN statistic " + i + " moved: it was evaluated");
                }
                assertTrue(Arrays.stream(Arrays.copyOfRange(toDouble(bn1), edges * 4, bn1.length)).anyMatch(v -> v != 0),
                        "the other convolutions' statistics moved");
                float[] gradient = named.get("cells.0.state0.sep_conv_3x3.dw1.weight").getArray().getGradient().toFloatArray();
                for (float g : gradient) {
                    assertEquals(0f, g);
                }
                float[] pools = named.get("cells.0.state0.pools.bn.running_mean").getArray().toFloatArray();
                for (int i = 0; i < 4; i++) {
                    assertEquals(0f, pools[i], "max_pool (first pool block) was evaluated");
                }
                assertTrue(pools[4] != 0f || pools[5] != 0f, "avg_pool was evaluated");
            }
        }
    }

    private static double[] toDouble(float[] f) {
        double[] d = new double[f.length];
        for (int i = 0; i < f.length; i++) {
            d[i] = f[i];
        }
        return d;
    }

    /** Hard Gumbel sampling: one operation per edge, the same sample again for the same noise seed. */
    @Test
    void hardSamplingIsReplayableFromItsSeed() {
        ModelParameters init = ModelInitializer.initialize(SPEC, 5);
        try (NDManager manager = Engines.newManager()) {
            SearchNetwork network = (SearchNetwork) ModelFactory.buildAllocated(SPEC, manager);
            BlockParameters.load(network, init);
            network.setRelaxation(new Relaxation(MixingMode.GUMBEL_HARD, 5, null));
            NDArray images = manager.randomNormal(new Shape(4, 1, 28, 28));
            network.setNoiseSeed(9);
            float[] first = forward(network, images, true).toFloatArray();
            network.setNoiseSeed(9);
            float[] again = forward(network, images, true).toFloatArray();
            assertArrayEquals(first, again, 1e-4f);
            network.setNoiseSeed(10);
            float[] other = forward(network, images, true).toFloatArray();
            assertTrue(!Arrays.equals(first, other), "another seed samples another architecture");
        }
    }
}
