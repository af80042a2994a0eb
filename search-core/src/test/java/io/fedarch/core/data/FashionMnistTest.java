package io.fedarch.core.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FashionMnistTest {

    @Test
    void loadsNormalisedImagesWithTenClasses() {
        ImageDataset train = FashionMnist.load(FashionMnist.DEFAULT_DIR, FashionMnist.Split.TRAIN, 2000);
        assertEquals(2000, train.size());
        assertEquals(1, train.channels());
        assertEquals(28, train.height());
        assertEquals(28, train.width());
        assertEquals(10, train.classes());
        int[] counts = new int[10];
        for (int label : train.labels()) {
            counts[label]++;
        }
        for (int c = 0; c < 10; c++) {
            assertTrue(counts[c] > 100, "class " + c + " has " + counts[c]);
        }
        // With the published mean/std the normalised pixels are roughly standardised.
        double sum = 0;
        double sumSq = 0;
        for (float v : train.pixels()) {
            sum += v;
            sumSq += v * v;
        }
        double mean = sum / train.pixels().length;
        double std = Math.sqrt(sumSq / train.pixels().length - mean * mean);
        assertEquals(0, mean, 0.05);
        assertEquals(1, std, 0.1);
        assertEquals(10_000, FashionMnist.load(FashionMnist.DEFAULT_DIR, FashionMnist.Split.TEST, null).size());
    }

    @Test
    void cachesPerDirectorySplitAndLimit() {
        ImageDataset a = FashionMnist.load(FashionMnist.DEFAULT_DIR, FashionMnist.Split.TEST, 300);
        ImageDataset b = FashionMnist.load(FashionMnist.DEFAULT_DIR, FashionMnist.Split.TEST, 300);
        assertSame(a, b);
    }

    @Test
    void missingFilesNameTheFileAndThePackage(@TempDir Path empty) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> FashionMnist.load(empty, FashionMnist.Split.TRAIN, null));
        assertTrue(e.getMessage().contains("train-images-idx3-ubyte"), e.getMessage());
        assertTrue(e.getMessage().contains("dataset-fashion-mnist"), e.getMessage());
    }

    @Test
    void readsUncompressedIdxAndRejectsWrongMagic(@TempDir Path dir) throws IOException {
        Path images = dir.resolve("images-idx3-ubyte");
        try (DataOutputStream out = new DataOutputStream(Files.newOutputStream(images))) {
            out.writeInt(IdxFile.IMAGES_MAGIC);
            out.writeInt(2);
            out.writeInt(2);
            out.writeInt(3);
            out.write(new byte[] {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, (byte) 255});
        }
        IdxFile.Images read = IdxFile.readImages(images, null);
        assertEquals(2, read.count());
        assertEquals(2, read.rows());
        assertEquals(3, read.cols());
        assertEquals((byte) 255, read.pixels()[11]);
        assertEquals(1, IdxFile.readImages(images, 1).count());

        IllegalArgumentException wrongKind = assertThrows(IllegalArgumentException.class,
                () -> IdxFile.readLabels(images, null));
        assertTrue(wrongKind.getMessage().contains("0x00000801"), wrongKind.getMessage());

        Path truncated = dir.resolve("short-idx1-ubyte");
        try (DataOutputStream out = new DataOutputStream(Files.newOutputStream(truncated))) {
            out.writeInt(IdxFile.LABELS_MAGIC);
            out.writeInt(5);
            out.write(new byte[] {1, 2});
        }
        IllegalArgumentException shortFile = assertThrows(IllegalArgumentException.class,
                () -> IdxFile.readLabels(truncated, null));
        assertTrue(shortFile.getMessage().contains("truncated"), shortFile.getMessage());
    }
}
