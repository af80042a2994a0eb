package io.fedarch.core.ofa;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import java.util.Random;

import org.junit.jupiter.api.Test;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.training.ParameterStore;
import io.fedarch.core.model.BlockParameters;
import io.fedarch.core.model.Engines;
import io.fedarch.core.model.ModelFactory;
import io.fedarch.core.model.ModelInitializer;
import io.fedarch.core.model.ModelSummary;
import io.fedarch.core.tensor.ModelParameters;
import io.fedarch.core.tensor.NamedTensor;
import io.fedarch.events.ModelSpec;

class ElasticResNetTest {

    /** The spec's table for the default space (counted there from the layer shapes): MACs of the canonical subnets. */
    @Test
    void canonicalSubnetsCostWhatTheSpecCounted() {
        ElasticOptions o = ElasticOptions.DEFAULTS;
        List<SubnetConfig> canonical = SubnetConfig.canonical(o, 5);
        assertEquals(5, canonical.size());
        assertEquals("d=0,0,0,0", canonical.get(0).encode().split(";")[0]);
        assertEquals("d=0,1,0,1", canonical.get(1).encode().split(";")[0]);
        assertEquals("d=1,2,1,2", canonical.get(3).encode().split(";")[0]);
        double[] specMillions = {1.37, 3.02, 5.30, 8.12, 11.06};
        for (int i = 0; i < 5; i++) {
            double macs = SubnetLayout.of(o, canonical.get(i)).macs() / 1e6;
            assertEquals(specMillions[i], macs, 0.01, "canonical subnet " + i + " " + canonical.get(i));
        }
        assertEquals(SubnetConfig.largest(o), canonical.get(4));
        assertEquals(SubnetConfig.smallest(o), canonical.get(0));
    }

    /** A subnet cut out of the supernet computes exactly what the supernet computes with that subnet active. */
    @Test
    void extractedSubnetEqualsTheSupernetWithThatSubnetActive() {
        for (ElasticOptions o : List.of(ElasticOptions.DEFAULTS,
                ElasticOptions.parse(Map.of("kernels", "3,5", "widthMultipliers", "0.5,1.0", "bn", "true",
                        "widths", "6,8,12,16", "stemChannels", "4")))) {
            ModelSpec supernetSpec = ModelSpec.newBuilder().setFamily(ElasticResNetFamily.NAME)
                    .setOptions(options(o)).build();
            ModelParameters weights = ModelInitializer.initialize(supernetSpec, 11);
            weights = randomiseNorms(weights, new Random(3));
            Random random = new Random(7);
            try (NDManager manager = Engines.newManager()) {
                ElasticResNet supernet = (ElasticResNet) ModelFactory.buildAllocated(supernetSpec, manager);
                BlockParameters.load(supernet, weights);
                NDArray images = manager.randomUniform(0f, 1f, new ai.djl.ndarray.types.Shape(4, 1, 28, 28));
                for (int trial = 0; trial < 4; trial++) {
                    SubnetConfig subnet = trial == 0 ? SubnetConfig.smallest(o) : SubnetConfig.random(o, random);
                    supernet.setActiveSubnet(subnet);
                    float[] expected = forward(supernet, images);
                    ModelSpec subnetSpec = ElasticSubnetFamily.spec(supernetSpec, subnet);
                    ElasticResNet standalone = (ElasticResNet) ModelFactory.buildAllocated(subnetSpec, manager);
                    BlockParameters.load(standalone, SubnetExtraction.cut(o, subnet, weights));
                    float[] actual = forward(standalone, images);
                    for (int i = 0; i < expected.length; i++) {
                        assertEquals(expected[i], actual[i], 1e-5, "subnet " + subnet + " logit " + i);
                    }
                    ModelSummary summary = ModelSummary.of(subnetSpec);
                    SubnetLayout layout = SubnetLayout.of(o, subnet);
                    assertEquals(layout.macs(), summary.macs());
                    assertEquals(layout.parameters(), summary.parameters());
                    assertEquals(layout.parameters(), SubnetExtraction.cut(o, subnet, weights).elementCount());
                }
            }
        }
    }

    @Test
    void insertWritesOnlyTheSubnetsRegionsAndCutReadsThemBack() {
        ElasticOptions o = ElasticOptions.parse(Map.of("kernels", "3,5"));
        ModelSpec spec = ModelSpec.newBuilder().setFamily(ElasticResNetFamily.NAME).setOptions(options(o)).build();
        ModelParameters weights = ModelInitializer.initialize(spec, 1);
        SubnetConfig subnet = SubnetConfig.random(o, new Random(2));
        ModelParameters part = SubnetExtraction.cut(o, subnet, weights);
        java.util.List<NamedTensor> shifted = part.tensors().stream().map(t -> {
            float[] v = t.values().clone();
            for (int i = 0; i < v.length; i++) {
                v[i] += 1f;
            }
            return new NamedTensor(t.name(), t.shape(), v);
        }).toList();
        ModelParameters back = SubnetExtraction.insert(o, subnet, weights, new ModelParameters(shifted));
        long changed = 0;
        for (NamedTensor t : back.tensors()) {
            float[] before = weights.get(t.name()).values();
            for (int i = 0; i < before.length; i++) {
                if (t.values()[i] != before[i]) {
                    changed++;
                    assertEquals(before[i] + 1f, t.values()[i], 1e-6);
                }
            }
        }
        assertEquals(part.elementCount(), changed, "exactly the subnet's elements change");
        ModelParameters again = SubnetExtraction.cut(o, subnet, back);
        for (NamedTensor t : again.tensors()) {
            assertArrayEquals(new ModelParameters(shifted).get(t.name()).values(), t.values());
        }
    }

    @Test
    void codecsRoundTripAndBadSubnetsAreRefused() {
        ElasticOptions o = ElasticOptions.parse(Map.of("kernels", "3,5,7", "widthMultipliers", "0.75,1"));
        SubnetConfig subnet = SubnetConfig.random(o, new Random(9));
        assertEquals(subnet, SubnetConfig.decode(subnet.encode()));
        assertEquals(subnet, SubnetConfig.fromMetrics(o, subnet.toMetrics()));
        assertTrue(subnet.toJson(o).contains("\"blocksPerStage\""));
        assertThrows(IllegalArgumentException.class, () -> SubnetConfig.decode("d=9,0,0,0;e=0;k=0;w=0").requireValid(o));
        assertThrows(IllegalArgumentException.class, () -> SubnetConfig.decode("nonsense"));
        assertThrows(IllegalArgumentException.class, () -> ElasticOptions.parse(Map.of("expands", "1.0,0.5")));
        assertThrows(IllegalArgumentException.class, () -> ElasticOptions.parse(Map.of("kernels", "4")));
        assertThrows(IllegalArgumentException.class, () -> ElasticOptions.parse(Map.of("colour", "red")));
    }

    static Map<String, String> options(ElasticOptions o) {
        return Map.of("stemChannels", Integer.toString(o.stemChannels()), "widths", join(o.widths()),
                "kernels", join(o.kernels()), "widthMultipliers", join(o.widthMultipliers()),
                "bn", Boolean.toString(o.batchNorm()), "expands", join(o.expands()));
    }

    private static String join(int[] v) {
        return String.join(",", java.util.Arrays.stream(v).mapToObj(Integer::toString).toList());
    }

    private static String join(double[] v) {
        return String.join(",", java.util.Arrays.stream(v).mapToObj(Double::toString).toList());
    }

    /** BN statistics and affine values away from their identity defaults, so slicing them is checked too. */
    private static ModelParameters randomiseNorms(ModelParameters weights, Random random) {
        return new ModelParameters(weights.tensors().stream().map(t -> {
            if (!t.name().contains(".bn")) {
                return t;
            }
            float[] v = new float[t.size()];
            for (int i = 0; i < v.length; i++) {
                v[i] = 0.5f + random.nextFloat();
            }
            return new NamedTensor(t.name(), t.shape(), v);
        }).toList());
    }

    private static float[] forward(ElasticResNet network, NDArray images) {
        try (NDManager batch = images.getManager().newSubManager()) {
            NDArray x = images.duplicate();
            x.attach(batch);
            return network.forward(new ParameterStore(batch, false), new NDList(x), false).singletonOrThrow()
                    .toType(DataType.FLOAT32, false).toFloatArray();
        }
    }
}
