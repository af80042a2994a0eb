package io.fedarch.core.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import javax.imageio.ImageIO;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.fedarch.events.DataFormat;
import io.fedarch.events.DataSpec;
import io.fedarch.events.InputShape;
import io.fedarch.events.JobSpec;
import io.fedarch.events.ModelSpec;
import io.fedarch.events.PartitionScheme;
import io.fedarch.events.PartitionSpec;

class ImageFolderTest {
    private static final float TOLERANCE = 1e-5f;

    /** A uniform image: grey (TYPE_BYTE_GRAY), RGB, or RGB with alpha. */
    private static void write(Path file, int type, int width, int height, int rgb, String format) throws IOException {
        BufferedImage image = new BufferedImage(width, height, type);
        for (int y = 0; y < height; y++) {
            for (int x = 0; x < width; x++) {
                if (type == BufferedImage.TYPE_BYTE_GRAY) {
                    image.getRaster().setSample(x, y, 0, rgb & 0xff);
                } else {
                    image.setRGB(x, y, rgb);
                }
            }
        }
        Files.createDirectories(file.getParent());
        assertTrue(ImageIO.write(image, format, file.toFile()), "a " + format + " writer exists");
    }

    private static float normalised(float unit) {
        return (unit - FashionMnist.MEAN) / FashionMnist.STD;
    }

    /** Two classes, files of different sizes and channel counts, PNG and JPEG. */
    private static Path mixedFolder(Path root) throws IOException {
        write(root.resolve("train/boot/a.png"), BufferedImage.TYPE_BYTE_GRAY, 28, 28, 51, "png");
        write(root.resolve("train/boot/b.png"), BufferedImage.TYPE_BYTE_GRAY, 40, 17, 51, "png");
        write(root.resolve("train/coat/a.png"), BufferedImage.TYPE_INT_ARGB, 13, 50, 0x80ff0000, "png");
        write(root.resolve("train/coat/b.jpg"), BufferedImage.TYPE_INT_RGB, 64, 48, 0x0000ff, "jpg");
        Files.writeString(root.resolve("train/coat/notes.txt"), "not an image");
        write(root.resolve("test/boot/x.jpeg"), BufferedImage.TYPE_BYTE_GRAY, 30, 30, 200, "jpg");
        write(root.resolve("test/coat/y.png"), BufferedImage.TYPE_INT_RGB, 10, 10, 0x00ff00, "png");
        return root;
    }

    @Test
    void loadsAnyImageAsTheRequestedGreyShapeWithLabelsBySortedClassName(@TempDir Path root) throws IOException {
        mixedFolder(root);
        ImageDataset train = ImageFolder.load(root, FashionMnist.Split.TRAIN, 1, 28, 28, null);

        assertEquals(List.of("boot", "coat"), ImageFolder.classes(root));
        assertEquals(4, train.size());
        assertEquals(2, train.classes());
        assertEquals(1, train.channels());
        assertEquals(28, train.height());
        assertEquals(28, train.width());
        // Round-robin over the classes, files by name: boot/a, coat/a, boot/b, coat/b.jpg.
        assertArrayEquals(new int[] {0, 1, 0, 1}, train.labels());
        int per = train.imageSize();
        float[] px = train.pixels();
        assertEquals(normalised(51 / 255f), px[0], TOLERANCE, "grey read without a gamma curve");
        assertEquals(normalised(51 / 255f), px[2 * per + per / 2], TOLERANCE, "a resized uniform image stays uniform");
        assertEquals(normalised(0.299f), px[per + 300], TOLERANCE, "red's luminance, alpha dropped");
        // JPEG is lossy: pure blue comes back within a few levels of 0.114.
        assertEquals(normalised(0.114f), px[3 * per + 10], 5 / 255f / FashionMnist.STD);
    }

    @Test
    void convertsToThreeChannelsAtAnySize(@TempDir Path root) throws IOException {
        mixedFolder(root);
        ImageDataset test = ImageFolder.load(root, FashionMnist.Split.TEST, 3, 32, 24, null);

        assertEquals(2, test.size());
        assertEquals(3 * 32 * 24, test.imageSize());
        int plane = 32 * 24;
        float[] px = test.pixels();
        // A grey JPEG is replicated to R, G and B.
        assertEquals(px[5], px[plane + 5], TOLERANCE);
        assertEquals(px[5], px[2 * plane + 5], TOLERANCE);
        assertEquals(normalised(200 / 255f), px[5], 3 / 255f / FashionMnist.STD);
        // Green stays green.
        int green = test.imageSize();
        assertEquals(normalised(0f), px[green + 7], TOLERANCE);
        assertEquals(normalised(1f), px[green + plane + 7], TOLERANCE);
        assertEquals(normalised(0f), px[green + 2 * plane + 7], TOLERANCE);
    }

    @Test
    void bilinearResizeInterpolatesBetweenPixelCentres() {
        // 2 pixels, 0 and 1, stretched to 4: centres at -0.25 (clamped), 0.25, 0.75, 1.25 (clamped).
        float[] out = new float[4];
        ImageConversion.resize(new float[] {0f, 1f}, 1, 2, out, 0, 1, 4);
        assertArrayEquals(new float[] {0f, 0.25f, 0.75f, 1f}, out, TOLERANCE);
    }

    @Test
    void limitKeepsTheFirstImagesOfEveryClassInTurn(@TempDir Path root) throws IOException {
        mixedFolder(root);
        ImageDataset two = ImageFolder.load(root, FashionMnist.Split.TRAIN, 1, 8, 8, 3);
        assertArrayEquals(new int[] {0, 1, 0}, two.labels());
    }

    @Test
    void badInputGetsClearErrors(@TempDir Path root) throws IOException {
        IllegalArgumentException missing = assertThrows(IllegalArgumentException.class,
                () -> ImageFolder.load(root, FashionMnist.Split.TRAIN, 1, 28, 28, null));
        assertTrue(missing.getMessage().contains("train/"), missing.getMessage());

        Files.createDirectories(root.resolve("train/empty"));
        IllegalArgumentException empty = assertThrows(IllegalArgumentException.class,
                () -> ImageFolder.load(root, FashionMnist.Split.TRAIN, 1, 28, 28, null));
        assertTrue(empty.getMessage().contains("no .png"), empty.getMessage());

        Files.writeString(root.resolve("train/empty/broken.png"), "not a png");
        IllegalArgumentException broken = assertThrows(IllegalArgumentException.class,
                () -> ImageFolder.load(root, FashionMnist.Split.TRAIN, 1, 28, 28, null));
        assertTrue(broken.getMessage().contains("broken.png"), broken.getMessage());

        assertThrows(IllegalArgumentException.class,
                () -> ImageFolder.load(root, FashionMnist.Split.TRAIN, 2, 28, 28, null));
    }

    private static JobSpec job(DataFormat format, Path dir, InputShape shape) {
        return JobSpec.newBuilder()
                .setModel(ModelSpec.newBuilder().setOptions(Map.of()).setInputShape(shape).build())
                .setData(DataSpec.newBuilder().setFormat(format).setDataset("my-images")
                        .setDataDir(dir == null ? null : dir.toString())
                        .setPartition(PartitionSpec.newBuilder().setScheme(PartitionScheme.IID)
                                .setValidationFraction(0.25).build())
                        .build())
                .setTotalClients(2).setClientsPerRound(2).setSeed(1)
                .build();
    }

    @Test
    void jobsAndSilosReadImageFoldersAtTheModelsInputShape(@TempDir Path root) throws IOException {
        mixedFolder(root);
        InputShape rgb = InputShape.newBuilder().setChannels(3).setHeight(16).setWidth(16).build();
        ShardProvider shared = new ShardProvider(FashionMnist.DEFAULT_DIR, null);
        JobSpec spec = job(DataFormat.IMAGEFOLDER, root, rgb);
        ClientShard shard = shared.shard(spec, 0);
        assertEquals(2, shard.train().size() + shard.validation().size());
        assertEquals(3 * 16 * 16, shard.train().imageSize());
        assertEquals(2, shared.testSet(spec).size());

        // A silo reads its own image folder whatever the job's format says.
        ShardProvider silo = new ShardProvider(FashionMnist.DEFAULT_DIR, root);
        JobSpec idxJob = job(DataFormat.IDX, null, rgb);
        idxJob.getData().setDataset("fashion-mnist");
        ClientShard own = silo.shard(idxJob, 7);
        assertEquals(4, own.train().size() + own.validation().size());
        assertEquals(3 * 16 * 16, own.train().imageSize());
        assertEquals(2, silo.localTestSet(idxJob, 7).size());
    }

    @Test
    void idxDataMustAlreadyHaveTheModelsInputShape() {
        InputShape rgb = InputShape.newBuilder().setChannels(3).setHeight(32).setWidth(32).build();
        JobSpec spec = job(DataFormat.IDX, null, rgb);
        spec.getData().setDataset("fashion-mnist");
        spec.getData().setTestLimit(10);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> ShardProvider.withDefaults().testSet(spec));
        assertTrue(e.getMessage().contains("1x28x28") && e.getMessage().contains("imagefolder"), e.getMessage());
    }

    @Test
    void fashionMnistWrittenAsPngsLoadsBackToTheIdxValues(@TempDir Path root) {
        ImageFolderWriter.writeFashionMnist(FashionMnist.DEFAULT_DIR, root, 10, 30, 1, 28, 0);
        ImageDataset idx = FashionMnist.load(FashionMnist.DEFAULT_DIR, FashionMnist.Split.TEST, 30);
        ImageDataset png = ImageFolder.load(root, FashionMnist.Split.TEST, 1, 28, 28, null);
        assertEquals(10, png.classes());
        assertEquals(30, png.size());
        // The folder orders images round-robin by class: match every PNG to its IDX original by content.
        int per = idx.imageSize();
        boolean[] used = new boolean[idx.size()];
        for (int i = 0; i < png.size(); i++) {
            int match = -1;
            for (int j = 0; j < idx.size() && match < 0; j++) {
                if (!used[j] && java.util.Arrays.equals(png.pixels(), i * per, (i + 1) * per,
                        idx.pixels(), j * per, (j + 1) * per)) {
                    match = j;
                }
            }
            assertTrue(match >= 0, "PNG " + i + " has the exact values of an IDX image");
            used[match] = true;
            assertEquals(idx.labels()[match], png.labels()[i]);
        }
    }
}
