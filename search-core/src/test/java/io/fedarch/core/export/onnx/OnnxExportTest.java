package io.fedarch.core.export.onnx;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;

import org.junit.jupiter.api.Test;

import io.fedarch.core.darts.DerivedFamily;
import io.fedarch.core.darts.DerivedOptions;
import io.fedarch.core.model.CnnFamily;
import io.fedarch.core.ofa.ElasticOptions;
import io.fedarch.core.ofa.ElasticResNetFamily;
import io.fedarch.core.ofa.ElasticSubnetFamily;
import io.fedarch.core.ofa.SubnetConfig;
import io.fedarch.core.model.ModelInitializer;
import io.fedarch.core.tensor.ModelParameters;
import io.fedarch.events.ModelSpec;

/** Each exported family gives ONNX Runtime the logits DJL computes, on real test images. */
class OnnxExportTest {

    private static ModelSpec spec(String family, Map<String, String> options) {
        return ModelSpec.newBuilder().setFamily(family).setOptions(options).build();
    }

    @Test
    void cnnGivesDjlsLogits() throws Exception {
        ModelSpec cnn = spec(CnnFamily.NAME, Map.of("conv1", "4", "conv2", "6", "hidden", "16", "dropout", "0.2"));
        OnnxParity.assertSameLogits(cnn, ModelInitializer.initialize(cnn, 7));
    }

    /**
     * Every DARTS operation in both cell types. Stem stride 2 and five cells put the reduction cells at
     * 14→7 and 7→4, so pooling, strided convolutions and FactorizedReduce (as skip and as the
     * preprocessing after a reduction, on 14×14 and on 7×7) all meet even and odd sizes.
     */
    @Test
    void derivedDartsNetworkGivesDjlsLogits() throws Exception {
        ModelSpec derived = spec(DerivedFamily.NAME, Map.of("channels", "2", "layers", "5", "stemStride", "2",
                DerivedOptions.GENOTYPE, EveryOperationGenotype.JSON));
        ModelParameters weights = OnnxParity.withRandomNormStatistics(ModelInitializer.initialize(derived, 11), 12);
        OnnxParity.assertSameLogits(derived, weights);
    }

    /**
     * A SuperFedNAS budget subnet: stage strides 1, 2, 2, 2 take 28×28 to 28, 14, 7 and 4, so the
     * ceil-mode average pooling of the last downsampling shortcut meets an odd size; BN on, 3×3 and 5×5
     * kernels, a second block in some stages.
     */
    @Test
    void elasticResNetSubnetGivesDjlsLogits() throws Exception {
        Map<String, String> space = Map.of("stemChannels", "4", "widths", "4,6,8,8", "expands", "0.5,1.0",
                "maxExtraBlocks", "1", "kernels", "3,5", "widthMultipliers", "0.75,1.0", "bn", "true");
        ModelSpec supernet = spec(ElasticResNetFamily.NAME, space);
        SubnetConfig config = SubnetConfig.random(ElasticOptions.parse(space), new java.util.Random(3));
        ModelSpec subnet = ElasticSubnetFamily.spec(supernet, config);
        ModelParameters weights = OnnxParity.withRandomNormStatistics(ModelInitializer.initialize(subnet, 5), 6);
        OnnxParity.assertSameLogits(subnet, weights);
    }

    /** The supernet a SuperFedNAS job delivers globally runs its largest subnet; here without BN. */
    @Test
    void elasticResNetSupernetGivesDjlsLogits() throws Exception {
        ModelSpec supernet = spec(ElasticResNetFamily.NAME, Map.of("stemChannels", "4", "widths", "4,6,8,8",
                "maxExtraBlocks", "1", "kernels", "3,5", "bn", "false"));
        OnnxParity.assertSameLogits(supernet, ModelInitializer.initialize(supernet, 8));
    }

    @Test
    void missingParameterAndUnknownFamilyAreClearErrors() {
        ModelSpec cnn = spec(CnnFamily.NAME, Map.of("conv1", "4", "conv2", "6", "hidden", "16"));
        ModelParameters weights = ModelInitializer.initialize(cnn, 7);
        ModelParameters withoutClassifier = new ModelParameters(weights.tensors().stream()
                .filter(t -> !t.name().equals("fc2.weight")).toList());
        IllegalArgumentException missing = assertThrows(IllegalArgumentException.class,
                () -> OnnxExport.export(cnn, withoutClassifier));
        assertTrue(missing.getMessage().contains("fc2.weight"), missing.getMessage());
        ModelSpec unknown = spec("no-such-family", Map.of());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> OnnxExport.export(unknown, weights));
        assertTrue(e.getMessage().contains("no-such-family"), e.getMessage());
        assertFalse(OnnxExport.supports(unknown));
    }
}
