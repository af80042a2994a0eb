package io.fedarch.core.export.onnx;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;

import org.junit.jupiter.api.Test;

import io.fedarch.core.darts.DartsFamily;
import io.fedarch.core.darts.DerivedFamily;
import io.fedarch.core.darts.DerivedOptions;
import io.fedarch.core.darts.MixingMode;
import io.fedarch.core.darts.Relaxation;
import io.fedarch.core.darts.SearchNetwork;
import io.fedarch.core.darts.SinglePath;
import io.fedarch.core.model.CnnFamily;
import io.fedarch.core.ofa.ElasticResNetFamily;
import io.fedarch.core.model.ModelInitializer;
import io.fedarch.core.tensor.ModelParameters;
import io.fedarch.core.tensor.NamedTensor;
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
        ModelSpec subnet = SmallElasticSpace.randomSubnet(3);
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

    /** The darts supernet of the tests below: C=2, five cells at 14, 14→7, 7, 7→4, 4 (as the derived network's). */
    private static final ModelSpec SUPERNET = spec(DartsFamily.NAME, Map.of("channels", "2", "layers", "5",
            "stemStride", "2"));

    /** The supernet's weights with random BN statistics and α of unit scale (so the mixing weights differ). */
    private static ModelParameters supernetWeights(long seed) {
        ModelParameters weights = OnnxParity.withRandomNormStatistics(ModelInitializer.initialize(SUPERNET, seed), seed + 1);
        Random random = new Random(seed + 2);
        return new ModelParameters(weights.tensors().stream().map(t -> {
            if (!t.name().startsWith("alpha.")) {
                return t;
            }
            float[] alpha = new float[t.values().length];
            for (int i = 0; i < alpha.length; i++) {
                alpha[i] = (float) random.nextGaussian();
            }
            return new NamedTensor(t.name(), t.shape(), alpha);
        }).toList());
    }

    /**
     * A PerFedRLNAS client's subnet: the supernet evaluating one path through its one-hot mask. The path
     * uses every operation in both cell types (pools and FactorizedReduce skips on stride-2 edges
     * included) and, in the normal cell, leaves node 0 without inputs (both its edges 'none'), so that
     * node is zeros in the output and the edges leaving it are skipped, as the supernet does.
     */
    @Test
    void singlePathSubnetGivesDjlsLogits() throws Exception {
        List<String> ops = DartsFamily.options(SUPERNET).operationNames();
        String[] normal = {"none", "none", "sep_conv_3x3", "dil_conv_3x3", "avg_pool_3x3", "skip_connect", "none",
            "max_pool_3x3", "sep_conv_5x5", "dil_conv_5x5", "avg_pool_3x3", "max_pool_3x3", "skip_connect",
            "sep_conv_3x3"};
        String[] reduce = {"skip_connect", "avg_pool_3x3", "max_pool_3x3", "sep_conv_5x5", "dil_conv_3x3",
            "dil_conv_5x5", "skip_connect", "sep_conv_3x3", "avg_pool_3x3", "sep_conv_3x3", "none", "max_pool_3x3",
            "skip_connect", "dil_conv_5x5"};
        SinglePath path = new SinglePath(ops, Arrays.stream(normal).mapToInt(ops::indexOf).toArray(),
                Arrays.stream(reduce).mapToInt(ops::indexOf).toArray());
        ModelParameters weights = supernetWeights(21);
        byte[] model = OnnxExport.export(SUPERNET, weights, path.toMask());
        OnnxParity.assertSameLogits(SUPERNET, weights, model, block -> ((SearchNetwork) block)
                .setRelaxation(new Relaxation(MixingMode.SOFTMAX, 1.0, path.toMask())));
    }

    /** A FedNAS client's delivery: the relaxed supernet, every edge mixing all its operations by softmax(α). */
    @Test
    void relaxedSupernetGivesDjlsLogits() throws Exception {
        assertTrue(OnnxExport.supports(SUPERNET));
        OnnxParity.assertSameLogits(SUPERNET, supernetWeights(31));
    }

    @Test
    void partialChannelSupernetIsNotExported() {
        ModelSpec pcDarts = spec(DartsFamily.NAME, Map.of("channels", "4", "layers", "2", "partialChannels", "2"));
        assertFalse(OnnxExport.supports(pcDarts));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> OnnxExport.export(pcDarts, ModelInitializer.initialize(pcDarts, 1)));
        assertTrue(e.getMessage().contains("partialChannels"), e.getMessage());
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
