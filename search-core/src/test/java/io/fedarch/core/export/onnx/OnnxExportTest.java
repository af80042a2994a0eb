package io.fedarch.core.export.onnx;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;

import org.junit.jupiter.api.Test;

import io.fedarch.core.darts.DerivedFamily;
import io.fedarch.core.darts.DerivedOptions;
import io.fedarch.core.model.CnnFamily;
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
        String genotype = "{\"normal\":[[\"sep_conv_3x3\",0],[\"dil_conv_3x3\",1],[\"skip_connect\",1],"
                + "[\"sep_conv_5x5\",2],[\"avg_pool_3x3\",0],[\"dil_conv_5x5\",3],[\"max_pool_3x3\",2],"
                + "[\"skip_connect\",4]],\"normal_concat\":[2,3,4,5],"
                + "\"reduce\":[[\"max_pool_3x3\",0],[\"skip_connect\",1],[\"avg_pool_3x3\",1],"
                + "[\"sep_conv_3x3\",2],[\"dil_conv_5x5\",0],[\"sep_conv_5x5\",1],[\"dil_conv_3x3\",1],"
                + "[\"skip_connect\",3]],\"reduce_concat\":[2,3,4,5]}";
        ModelSpec derived = spec(DerivedFamily.NAME, Map.of("channels", "2", "layers", "5", "stemStride", "2",
                DerivedOptions.GENOTYPE, genotype));
        ModelParameters weights = OnnxParity.withRandomNormStatistics(ModelInitializer.initialize(derived, 11), 12);
        OnnxParity.assertSameLogits(derived, weights);
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
        assertEquals(false, OnnxExport.supports(unknown));
    }
}
