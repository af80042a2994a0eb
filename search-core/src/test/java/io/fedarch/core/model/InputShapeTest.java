package io.fedarch.core.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.nn.Block;
import ai.djl.training.ParameterStore;
import io.fedarch.core.darts.DartsFamily;
import io.fedarch.core.darts.DartsOptions;
import io.fedarch.core.darts.DerivedFamily;
import io.fedarch.core.darts.DerivedOptions;
import io.fedarch.core.darts.Genotype;
import io.fedarch.core.darts.WeightInheritance;
import io.fedarch.core.ofa.ElasticResNetFamily;
import io.fedarch.core.ofa.ElasticSubnetFamily;
import io.fedarch.core.ofa.SubnetConfig;
import io.fedarch.core.ofa.SubnetExtraction;
import io.fedarch.core.tensor.ModelParameters;
import io.fedarch.events.InputShape;
import io.fedarch.events.ModelSpec;

/** Every model family builds its network for the spec's input shape, not for Fashion-MNIST's 1×28×28. */
class InputShapeTest {
    private static final InputShape RGB_32 = InputShape.newBuilder().setChannels(3).setHeight(32).setWidth(32).build();

    private static ModelSpec spec(String family, Map<String, String> options) {
        return ModelSpec.newBuilder().setFamily(family).setOptions(options).setInputShape(RGB_32).build();
    }

    private static List<ModelSpec> everyFamily() {
        ModelSpec darts = spec(DartsFamily.NAME, Map.of("channels", "4", "layers", "3", "stemStride", "2"));
        DartsOptions dartsOptions = DartsFamily.options(darts);
        Genotype genotype = Genotype.fromJson("{\"normal\":[[\"sep_conv_3x3\",0],[\"skip_connect\",1],"
                + "[\"sep_conv_3x3\",0],[\"max_pool_3x3\",1],[\"sep_conv_3x3\",0],[\"skip_connect\",1],"
                + "[\"sep_conv_3x3\",0],[\"avg_pool_3x3\",1]],\"normal_concat\":[2,3,4,5],"
                + "\"reduce\":[[\"max_pool_3x3\",0],[\"sep_conv_3x3\",1],[\"max_pool_3x3\",0],[\"sep_conv_3x3\",1],"
                + "[\"max_pool_3x3\",0],[\"sep_conv_3x3\",1],[\"max_pool_3x3\",0],[\"sep_conv_3x3\",1]],"
                + "\"reduce_concat\":[2,3,4,5]}");
        ModelSpec derived = DerivedOptions.modelSpec(dartsOptions, genotype);
        ModelSpec ofa = spec(ElasticResNetFamily.NAME, Map.of());
        ModelSpec subnet = ElasticSubnetFamily.spec(ofa, SubnetConfig.smallest(ElasticResNetFamily.options(ofa)));
        return List.of(spec("cnn", Map.of("conv1", "4", "conv2", "8", "hidden", "16")), darts, derived, ofa, subnet);
    }

    @Test
    void everyFamilyTakesThreeChannel32x32Images() {
        for (ModelSpec spec : everyFamily()) {
            assertEquals(RGB_32, spec.getInputShape(), spec.getFamily() + ": derived specs keep the input shape");
            try (NDManager manager = NDManager.newBaseManager()) {
                Block block = ModelFactory.buildAllocated(spec, manager);
                NDList out = block.forward(new ParameterStore(manager, false),
                        new NDList(manager.ones(ModelFactory.inputShape(spec, 2))), false);
                assertArrayEquals(new long[] {2, ModelFactory.CLASSES}, out.singletonOrThrow().getShape().getShape(),
                        spec.getFamily());
            }
            ModelSummary summary = ModelSummary.of(spec);
            assertArrayEquals(new long[] {3, 32, 32}, summary.layers().get(0).inputShape(), spec.getFamily());
            assertTrue(ModelSize.parameters(spec) > 0);
        }
    }

    @Test
    void searchedNetworksInheritTheirSupernetsWeightsAtThreeChannels() {
        List<ModelSpec> specs = everyFamily();
        ModelSpec darts = specs.get(1);
        ModelSpec derived = specs.get(2);
        ModelSpec ofa = specs.get(3);
        ModelSpec subnet = specs.get(4);
        try (NDManager manager = NDManager.newBaseManager()) {
            // DARTS: the derived network takes the supernet's weights, stem [12, 3, 3, 3] included.
            ModelParameters supernet = ModelInitializer.initialize(darts, 1);
            ModelParameters inherited = WeightInheritance.fromSupernet(supernet, DartsFamily.options(darts),
                    DerivedFamily.options(derived).genotype());
            Block derivedBlock = ModelFactory.buildAllocated(derived, manager);
            BlockParameters.load(derivedBlock, inherited);
            assertArrayEquals(new int[] {12, 3, 3, 3}, inherited.get("stem.conv.weight").shape());
            // Elastic ResNet: a subnet cut out of the supernet loads into the standalone subnet.
            ModelParameters cut = SubnetExtraction.cut(ElasticResNetFamily.options(ofa),
                    ElasticSubnetFamily.subnet(subnet), ModelInitializer.initialize(ofa, 2));
            BlockParameters.load(ModelFactory.buildAllocated(subnet, manager), cut);
            assertEquals(3, cut.get("stem.conv.weight").shape()[1]);
        }
    }

    @Test
    void theFirstLayersWeightsHaveTheInputsChannels() {
        ModelSpec grey = ModelSpec.newBuilder(everyFamily().get(1)).setInputShape(ModelFactory.defaultInput()).build();
        long rgbParameters = ModelSize.parameters(everyFamily().get(1));
        // The DARTS stem is a 3×3 convolution to 3·C = 12 channels: 2 more input channels add 2·12·9 weights.
        assertEquals(2 * 12 * 9, rgbParameters - ModelSize.parameters(grey));
    }

    @Test
    void unsupportedShapesAreRefused() {
        ModelSpec twoChannels = ModelSpec.newBuilder(everyFamily().get(0))
                .setInputShape(InputShape.newBuilder().setChannels(2).build()).build();
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> ModelFactory.validate(twoChannels));
        assertTrue(e.getMessage().contains("channels"), e.getMessage());
    }
}
