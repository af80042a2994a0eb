package io.fedarch.core.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import ai.djl.ndarray.NDManager;
import ai.djl.nn.Block;
import io.fedarch.core.tensor.ModelParameters;
import io.fedarch.core.tensor.NamedTensor;
import io.fedarch.events.ModelSpec;

class ModelTest {

    static ModelSpec cnn(Map<String, String> options) {
        return ModelSpec.newBuilder().setFamily("cnn").setOptions(options).build();
    }

    @Test
    void summaryOfTheDefaultCnnMatchesHandCounts() {
        // conv1 16×1×5×5+16, conv2 32×16×5×5+32, fc1 1568×128+128, fc2 128×10+10
        long params = (16 * 25 + 16) + (32 * 16 * 25 + 32) + (1568 * 128 + 128) + (128 * 10 + 10);
        // conv: output pixels × out channels × in channels × 25; linear: in × out
        long macs = 28L * 28 * 16 * 25 + 14L * 14 * 32 * 16 * 25 + 1568L * 128 + 128L * 10;
        ModelSummary summary = ModelSummary.of(cnn(Map.of()));
        assertEquals(215_370, params);
        assertEquals(params, summary.parameters());
        assertEquals(macs, summary.macs());
        assertEquals(List.of("conv1", "relu1", "maxpool2d1", "conv2", "relu2", "maxpool2d2", "batchflatten1",
                "fc1", "relu3", "fc2"), summary.layers().stream().map(ModelSummary.Layer::name).toList());
        assertArrayEquals(new long[] {32, 7, 7}, summary.layers().get(5).outputShape());
        assertArrayEquals(new long[] {10}, summary.layers().get(9).outputShape());
        assertEquals(3, summary.describe().get("inputShape") instanceof List<?> l ? l.size() : -1);
    }

    @Test
    void summaryOfMcMahansCnn() {
        ModelSummary summary = ModelSummary.of(cnn(Map.of("conv1", "32", "conv2", "64", "hidden", "512")));
        assertEquals(832 + 51_264 + 1_606_144 + 5_130, summary.parameters());
        assertEquals(627_200 + 10_035_200 + 1_605_632 + 5_120, summary.macs());
    }

    @Test
    void parametersHaveStableNamesAndRoundTrip() {
        ModelSpec spec = cnn(Map.of("dropout", "0.25"));
        ModelParameters init = ModelInitializer.initialize(spec, 5);
        assertEquals(List.of("conv1.weight", "conv1.bias", "conv2.weight", "conv2.bias",
                "fc1.weight", "fc1.bias", "fc2.weight", "fc2.bias"), init.names());
        try (NDManager manager = NDManager.newBaseManager()) {
            Block block = ModelFactory.buildAllocated(spec, manager);
            BlockParameters.load(block, init);
            ModelParameters back = BlockParameters.read(block);
            for (NamedTensor t : init.tensors()) {
                assertArrayEquals(t.values(), back.get(t.name()).values());
            }
            ModelParameters other = ModelInitializer.initialize(cnn(Map.of("hidden", "64")), 5);
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> BlockParameters.load(block, other));
            assertTrue(e.getMessage().contains("fc1.weight"), e.getMessage());
        }
    }

    @Test
    void initialisationIsDeterministicInTheSeed() {
        ModelParameters a = ModelInitializer.initialize(cnn(Map.of()), 42);
        ModelParameters b = ModelInitializer.initialize(cnn(Map.of()), 42);
        ModelParameters c = ModelInitializer.initialize(cnn(Map.of()), 43);
        for (NamedTensor t : a.tensors()) {
            assertArrayEquals(t.values(), b.get(t.name()).values());
        }
        assertFalse(java.util.Arrays.equals(a.get("conv1.weight").values(), c.get("conv1.weight").values()));
        // PyTorch-style bound 1/sqrt(fan_in): conv1 has fan_in 25, so |w| <= 0.2.
        for (float v : a.get("conv1.weight").values()) {
            assertTrue(Math.abs(v) <= 0.2f);
        }
    }

    @Test
    void unknownFamilyOrOptionListsTheValidOnes() {
        IllegalArgumentException family = assertThrows(IllegalArgumentException.class,
                () -> ModelFactory.validate(ModelSpec.newBuilder().setFamily("resnet").setOptions(Map.of()).build()));
        assertTrue(family.getMessage().contains("cnn"), family.getMessage());
        IllegalArgumentException option = assertThrows(IllegalArgumentException.class,
                () -> ModelFactory.validate(cnn(Map.of("layers", "3"))));
        assertTrue(option.getMessage().contains("conv1") && option.getMessage().contains("dropout"), option.getMessage());
        assertThrows(IllegalArgumentException.class, () -> ModelFactory.validate(cnn(Map.of("hidden", "many"))));
        assertThrows(IllegalArgumentException.class, () -> ModelFactory.validate(cnn(Map.of("dropout", "1.5"))));
    }
}
