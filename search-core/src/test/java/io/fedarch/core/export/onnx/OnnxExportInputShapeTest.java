package io.fedarch.core.export.onnx;

import java.nio.file.Path;
import java.util.Map;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.fedarch.core.darts.DerivedFamily;
import io.fedarch.core.darts.DerivedOptions;
import io.fedarch.core.data.FashionMnist;
import io.fedarch.core.data.ImageDataset;
import io.fedarch.core.data.ImageFolder;
import io.fedarch.core.data.ImageFolderWriter;
import io.fedarch.core.model.CnnFamily;
import io.fedarch.core.model.ModelInitializer;
import io.fedarch.core.tensor.ModelParameters;
import io.fedarch.events.InputShape;
import io.fedarch.events.ModelSpec;

/**
 * A silo's own images need not be 1×28×28: networks built for 3×32×32 (Fashion-MNIST test images written out as tinted
 * 32×32 PNGs and read back through the image-folder loader, as a silo's data is) export to ONNX with the same logits.
 */
class OnnxExportInputShapeTest {
    private static final InputShape RGB_32 = InputShape.newBuilder().setChannels(3).setHeight(32).setWidth(32).build();

    @TempDir
    static Path folder;
    private static ImageDataset images;

    @BeforeAll
    static void writeColourImages() {
        ImageFolderWriter.writeFashionMnist(FashionMnist.DEFAULT_DIR, folder, 10, OnnxParity.IMAGES, 3, 32, 1);
        images = ImageFolder.load(folder, FashionMnist.Split.TEST, 3, 32, 32, OnnxParity.IMAGES);
    }

    private static ModelSpec spec(String family, Map<String, String> options) {
        return ModelSpec.newBuilder().setFamily(family).setOptions(options).setInputShape(RGB_32).build();
    }

    @Test
    void cnnAtThreeChannelsGivesDjlsLogits() throws Exception {
        ModelSpec cnn = spec(CnnFamily.NAME, Map.of("conv1", "4", "conv2", "6", "hidden", "16"));
        OnnxParity.assertSameLogits(cnn, ModelInitializer.initialize(cnn, 21), images);
    }

    /** 32→16→8→4 through the reduction cells, with FactorizedReduce and pooling in them. */
    @Test
    void derivedDartsNetworkAtThreeChannelsGivesDjlsLogits() throws Exception {
        ModelSpec derived = spec(DerivedFamily.NAME, Map.of("channels", "2", "layers", "5", "stemStride", "2",
                DerivedOptions.GENOTYPE, EveryOperationGenotype.JSON));
        ModelParameters weights = OnnxParity.withRandomNormStatistics(ModelInitializer.initialize(derived, 22), 23);
        OnnxParity.assertSameLogits(derived, weights, images);
    }

    @Test
    void elasticResNetSubnetAtThreeChannelsGivesDjlsLogits() throws Exception {
        ModelSpec subnet = SmallElasticSpace.randomSubnet(RGB_32, 4);
        ModelParameters weights = OnnxParity.withRandomNormStatistics(ModelInitializer.initialize(subnet, 24), 25);
        OnnxParity.assertSameLogits(subnet, weights, images);
    }
}
