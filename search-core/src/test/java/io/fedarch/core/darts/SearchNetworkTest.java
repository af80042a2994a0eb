package io.fedarch.core.darts;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.nn.Parameter;
import ai.djl.training.ParameterStore;
import io.fedarch.core.model.BlockParameters;
import io.fedarch.core.model.Engines;
import io.fedarch.core.model.ModelFactory;
import io.fedarch.core.model.ModelInitializer;
import io.fedarch.core.model.ModelSummary;
import io.fedarch.core.tensor.ModelParameters;
import io.fedarch.events.ModelSpec;

public class SearchNetworkTest {
    static final String TINY_OPS = "none,max_pool_3x3,skip_connect,sep_conv_3x3";

    static ModelSpec darts(Map<String, String> options) {
        return ModelSpec.newBuilder().setFamily("darts").setOptions(options).build();
    }

    public static ModelSpec tiny() {
        return darts(Map.of("channels", "2", "layers", "3", "stemStride", "2", "ops", TINY_OPS));
    }

    @Test
    void parameterCountMatchesAHandCount() {
        // C=2, 3 cells: normal (C=2), reduce (C=4), reduce (C=8, after a reduction: FactorizedReduce input).
        // Per edge, sep_conv_3x3(c) = dw 9c + pw c² twice, plus two affine-free BNs (2c running stats each);
        // per state one affine-free BN (2c) for max_pool; skip_connect on stride-2 edges is
        // FactorizedReduce: two 1×1 convs c/2×c and a BN (2c). 14 edges per cell, 8 of them stride 2 in reductions.
        long stem = 6 * 9 + 4 * 6;                                   // conv 6x1x3x3, BN weight/bias/mean/var
        long cell0 = (6 * 2 + 4) * 2 + 14 * (2 * (18 + 4) + 2 * 4) + 5 * 4;
        long cell1 = (6 * 4 + 8) + (8 * 4 + 8) + 14 * (2 * (36 + 16) + 2 * 8) + 5 * 8 + 8 * (8 + 8 + 8);
        long cell2 = (32 + 32 + 16) + (16 * 8 + 16) + 14 * (2 * (72 + 64) + 2 * 16) + 5 * 16 + 8 * (32 + 32 + 16);
        long classifier = 32 * 10 + 10;
        long alpha = 2 * 14 * 4;
        assertEquals(8484, stem + cell0 + cell1 + cell2 + classifier + alpha);
        ModelSummary summary = ModelSummary.of(tiny());
        assertEquals(8484, summary.parameters());
        assertEquals(List.of("stem", "cell0", "cell1", "cell2", "classifier", "alpha"),
                summary.layers().stream().map(ModelSummary.Layer::name).toList());
        assertEquals(780, summary.layers().get(1).parameters());
        assertArrayEquals(new long[] {8, 14, 14}, summary.layers().get(1).outputShape());
        assertArrayEquals(new long[] {16, 7, 7}, summary.layers().get(2).outputShape());
        assertArrayEquals(new long[] {32, 4, 4}, summary.layers().get(3).outputShape());
        assertTrue(summary.macs() > 0);
        try (NDManager manager = Engines.newManager()) {
            SearchNetwork network = (SearchNetwork) ModelFactory.buildAllocated(tiny(), manager);
            // What DARTS's model.parameters() holds (without α): 7188 trainable weights.
            long trainable = network.weightParameters().stream().mapToLong(p -> p.getArray().size()).sum();
            assertEquals(66 + 640 + 1640 + 4512 + 330, trainable);
        }
    }

    @Test
    void alphaTravelsUnderStableNamesAndStartsLikeDarts() {
        ModelParameters init = ModelInitializer.initialize(tiny(), 3);
        assertArrayEquals(new int[] {14, 4}, init.get(SearchNetwork.ALPHA_NORMAL).shape());
        assertArrayEquals(new int[] {14, 4}, init.get(SearchNetwork.ALPHA_REDUCE).shape());
        double sumSquares = 0;
        for (float v : init.get(SearchNetwork.ALPHA_NORMAL).values()) {
            assertTrue(Math.abs(v) < 0.01, "α " + v);
            sumSquares += v * v;
        }
        double std = Math.sqrt(sumSquares / 56);
        assertTrue(std > 3e-4 && std < 3e-3, "std " + std);
        for (float v : init.get("stem.bn.weight").values()) {
            assertEquals(1f, v);
        }
        for (float v : init.get("cells.0.state0.convs.bn1.running_var").values()) {
            assertEquals(1f, v);
        }
        assertTrue(init.names().contains("cells.1.state0.skip_connect.conv_1.weight"));
        assertTrue(init.names().contains("cells.2.preprocess0.conv_2.weight"));
        try (NDManager manager = Engines.newManager()) {
            SearchNetwork network = (SearchNetwork) ModelFactory.buildAllocated(tiny(), manager);
            BlockParameters.load(network, init);
            assertEquals(init.names(), BlockParameters.read(network).names());
            NDArray logits = network.forward(new ParameterStore(manager, false),
                    new NDList(manager.randomNormal(new ai.djl.ndarray.types.Shape(3, 1, 28, 28))), false)
                    .singletonOrThrow();
            assertArrayEquals(new long[] {3, 10}, logits.getShape().getShape());
            for (Parameter p : network.architectureParameters()) {
                assertTrue(p.requiresGradient());
            }
        }
    }

    @Test
    void everyOperationAndBothStemStridesBuildAndRun() {
        for (String stride : List.of("1", "2")) {
            ModelSpec spec = darts(Map.of("channels", "2", "layers", "2", "stemStride", stride));
            try (NDManager manager = Engines.newManager()) {
                SearchNetwork network = (SearchNetwork) ModelFactory.buildAllocated(spec, manager);
                BlockParameters.load(network, ModelInitializer.initialize(network, 1));
                NDArray logits = network.forward(new ParameterStore(manager, false),
                        new NDList(manager.randomNormal(new ai.djl.ndarray.types.Shape(2, 1, 28, 28))), true)
                        .singletonOrThrow();
                assertArrayEquals(new long[] {2, 10}, logits.getShape().getShape());
                assertTrue(Float.isFinite(logits.sum().getFloat()));
            }
        }
    }

    @Test
    void invalidOptionsAreRejectedWithTheValidChoices() {
        IllegalArgumentException op = assertThrows(IllegalArgumentException.class,
                () -> ModelFactory.validate(darts(Map.of("ops", "sep_conv_3x3,conv_7x1_1x7"))));
        assertTrue(op.getMessage().contains("dil_conv_5x5"), op.getMessage());
        assertThrows(IllegalArgumentException.class, () -> ModelFactory.validate(darts(Map.of("channels", "3"))));
        assertThrows(IllegalArgumentException.class, () -> ModelFactory.validate(darts(Map.of("stemStride", "3"))));
        assertThrows(IllegalArgumentException.class, () -> ModelFactory.validate(darts(Map.of("ops", "none"))));
        IllegalArgumentException key = assertThrows(IllegalArgumentException.class,
                () -> ModelFactory.validate(darts(Map.of("conv1", "3"))));
        assertTrue(key.getMessage().contains("stemStride"), key.getMessage());
        DartsOptions defaults = DartsOptions.parse(Map.of());
        assertEquals(16, defaults.channels());
        assertEquals(8, defaults.layers());
        assertEquals(8, defaults.operations().size());
        assertTrue(defaults.isReduction(2) && defaults.isReduction(5) && !defaults.isReduction(3));
    }
}
