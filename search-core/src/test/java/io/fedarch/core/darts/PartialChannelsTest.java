package io.fedarch.core.darts;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import io.fedarch.core.model.Engines;
import io.fedarch.core.model.InPlaceWrite;
import io.fedarch.core.model.ModelSummary;
import io.fedarch.core.model.ParameterRegistry;

/** PC-DARTS's partial-channel mixed operations (the {@code partialChannels} option of the darts family). */
class PartialChannelsTest {
    private static final List<Primitive> OPS = List.of(Primitive.NONE, Primitive.MAX_POOL_3X3, Primitive.SKIP_CONNECT,
            Primitive.SEP_CONV_3X3, Primitive.DIL_CONV_3X3);
    private static final int EDGES = 2;

    /** Initialises every parameter of {@code registry}, copying values from {@code source} where the name matches. */
    private static Map<String, Parameter> initialize(ParameterRegistry registry, NDManager manager,
                                                     Map<String, Parameter> source) {
        Map<String, Parameter> all = registry.all();
        for (Parameter p : all.values()) {
            p.initialize(manager, DataType.FLOAT32);
            if (source != null) {
                InPlaceWrite.overwrite(p.getArray(), source.get(p.getName()).getArray().toFloatArray());
            } else if (p.getName().endsWith("weight")) {
                InPlaceWrite.overwrite(p.getArray(), manager.randomNormal(p.getArray().getShape()).toFloatArray());
            }
        }
        return all;
    }

    /** softmax-like mixing weights for the non-'none' candidates, shaped (1, candidates, edges, 1, 1, 1). */
    private static NDArray weights(NDManager manager) {
        long candidates = OPS.size() - 1;
        return manager.randomUniform(0.1f, 1f, new Shape(1, candidates, EDGES, 1, 1, 1));
    }

    @Test
    void withAFractionOfOneItIsTheFullMixedOperation() {
        try (NDManager manager = Engines.newManager()) {
            for (int stride : new int[] {1, 2}) {
                ParameterRegistry fullRegistry = new ParameterRegistry();
                MixedOperations full = new MixedOperations(fullRegistry, "s", 4, stride, EDGES, OPS);
                Map<String, Parameter> fullParameters = initialize(fullRegistry, manager, null);
                ParameterRegistry partialRegistry = new ParameterRegistry();
                PartialChannelMixing partial = new PartialChannelMixing(partialRegistry, "s", 4, stride, EDGES, 0, OPS, 1);
                initialize(partialRegistry, manager, fullParameters);

                NDArray x = manager.randomNormal(new Shape(3, 4, 7, 7));
                NDArray w = weights(manager);
                for (boolean training : new boolean[] {false, true}) {
                    assertArrayEquals(full.apply(x, w, training).toFloatArray(), partial.apply(x, w, training).toFloatArray(),
                            "stride " + stride + ", training " + training);
                }
                assertEquals(full.macs(7), partial.macs(7));
            }
        }
    }

    @Test
    void withKGroupsOneInKChannelsIsMixedAndTheRestBypassesThenTheyAreShuffled() {
        int channels = 4;
        int k = 2;
        try (NDManager manager = Engines.newManager()) {
            ParameterRegistry partialRegistry = new ParameterRegistry();
            PartialChannelMixing partial = new PartialChannelMixing(partialRegistry, "s", channels, 1, EDGES, 0, OPS, k);
            Map<String, Parameter> partialParameters = initialize(partialRegistry, manager, null);
            ParameterRegistry narrowRegistry = new ParameterRegistry();
            MixedOperations narrow = new MixedOperations(narrowRegistry, "s", channels / k, 1, EDGES, OPS);
            initialize(narrowRegistry, manager, partialParameters);

            NDArray x = manager.randomNormal(new Shape(3, channels, 6, 6));
            NDArray w = weights(manager);
            NDArray out = partial.apply(x, w, false);
            assertArrayEquals(new long[] {3, EDGES, channels, 6, 6}, out.getShape().getShape());
            NDArray mixed = narrow.apply(x.get(new NDIndex(":, 0:2")), w, false);
            for (int e = 0; e < EDGES; e++) {
                // Edge e leads to node e (the state's first target is node 0): weighted 1/(e + 2), its in-degree.
                float normalization = 1f / (e + 2);
                for (int j = 0; j < channels / k; j++) {
                    // PC-DARTS's shuffle interleaves the groups: channel 2j is mixed channel j, 2j+1 bypass channel j.
                    assertArrayEquals(mixed.get(new NDIndex(":, {}, {}", e, j)).mul(normalization).toFloatArray(),
                            out.get(new NDIndex(":, {}, {}", e, 2 * j)).toFloatArray(), 1e-6f);
                    assertArrayEquals(x.get(new NDIndex(":, {}", channels / k + j)).mul(normalization).toFloatArray(),
                            out.get(new NDIndex(":, {}, {}", e, 2 * j + 1)).toFloatArray(), 1e-6f);
                }
            }
            // A reduction edge pools the bypass the way the candidates shrink an odd size: 7 -> 4.
            PartialChannelMixing reducing = new PartialChannelMixing(new ParameterRegistry(), "r", channels, 2, EDGES, 0, OPS, k);
            assertTrue(reducing.macs(8) * 2 < new MixedOperations(new ParameterRegistry(), "f", channels, 2, EDGES, OPS).macs(8));
        }
    }

    @Test
    void aPartialChannelSupernetSearchesTrainsAndRefusesWhatNeedsFullWidth() {
        Map<String, String> options = Map.of("channels", "4", "layers", "3", "stemStride", "2", "partialChannels", "2",
                "ops", SearchNetworkTest.TINY_OPS);
        long full = ModelSummary.of(SearchNetworkTest.darts(Map.of("channels", "4", "layers", "3", "stemStride", "2",
                "ops", SearchNetworkTest.TINY_OPS))).macs();
        ModelSummary partial = ModelSummary.of(SearchNetworkTest.darts(options));
        assertTrue(partial.macs() < full, partial.macs() + " vs " + full);
        assertArrayEquals(new long[] {64, 4, 4}, partial.layers().get(3).outputShape());
        IllegalArgumentException odd = assertThrows(IllegalArgumentException.class,
                () -> DartsOptions.parse(Map.of("channels", "4", "partialChannels", "4")));
        assertTrue(odd.getMessage().contains("partialChannels"), odd.getMessage());
        IllegalArgumentException refused = assertThrows(IllegalArgumentException.class,
                () -> DartsOptions.parse(options).requireFullChannels("fedmetanas"));
        assertTrue(refused.getMessage().startsWith("fedmetanas needs partialChannels 1"), refused.getMessage());
    }
}
