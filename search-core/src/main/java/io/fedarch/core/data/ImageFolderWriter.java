package io.fedarch.core.data;

import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;

import javax.imageio.ImageIO;

/**
 * Writes Fashion-MNIST's IDX files out as an image folder ({@code train/<class>/*.png},
 * {@code test/<class>/*.png}), to try the image-folder format on known data: as 1-channel 28×28
 * PNGs (which load back to exactly the IDX values), or colourised and resized (each image tinted
 * by a seeded random colour, so colour says nothing about the class).
 */
public final class ImageFolderWriter {
    /** Class directory names: sorted, they keep Fashion-MNIST's label order. */
    public static final List<String> FASHION_MNIST_CLASSES = List.of("0-tshirt", "1-trouser", "2-pullover",
            "3-dress", "4-coat", "5-sandal", "6-shirt", "7-sneaker", "8-bag", "9-ankle-boot");

    private ImageFolderWriter() {
    }

    /**
     * Writes the first {@code trainCount} training and {@code testCount} test images of the IDX files
     * in {@code idxDir} under {@code target}, as PNGs of {@code channels} (1 or 3) × size × size.
     */
    public static void writeFashionMnist(Path idxDir, Path target, int trainCount, int testCount, int channels,
            int size, long seed) {
        if (channels != 1 && channels != 3) {
            throw new IllegalArgumentException("channels must be 1 or 3, got " + channels);
        }
        Random tints = new Random(seed);
        write(idxDir, FashionMnist.Split.TRAIN, ImageFolder.splitDir(target, FashionMnist.Split.TRAIN), trainCount,
                channels, size, tints);
        write(idxDir, FashionMnist.Split.TEST, ImageFolder.splitDir(target, FashionMnist.Split.TEST), testCount,
                channels, size, tints);
    }

    private static void write(Path idxDir, FashionMnist.Split split, Path dir, int count, int channels, int size,
            Random tints) {
        IdxFile.Images images = IdxFile.readImages(existing(idxDir, split.imagesFile()), count);
        int[] labels = FashionMnist.labels(idxDir, split, count);
        int rows = images.rows();
        int cols = images.cols();
        try {
            for (String name : FASHION_MNIST_CLASSES) {
                Files.createDirectories(dir.resolve(name));
            }
            for (int i = 0; i < images.count(); i++) {
                BufferedImage image = new BufferedImage(cols, rows,
                        channels == 1 ? BufferedImage.TYPE_BYTE_GRAY : BufferedImage.TYPE_INT_RGB);
                float r = 0.4f + 0.6f * tints.nextFloat();
                float g = 0.4f + 0.6f * tints.nextFloat();
                float b = 0.4f + 0.6f * tints.nextFloat();
                for (int y = 0; y < rows; y++) {
                    for (int x = 0; x < cols; x++) {
                        int v = images.pixels()[i * rows * cols + y * cols + x] & 0xff;
                        if (channels == 1) {
                            image.getRaster().setSample(x, y, 0, v);
                        } else {
                            image.setRGB(x, y, (Math.round(v * r) << 16) | (Math.round(v * g) << 8) | Math.round(v * b));
                        }
                    }
                }
                Path file = dir.resolve(FASHION_MNIST_CLASSES.get(labels[i])).resolve(String.format("%05d.png", i));
                ImageIO.write(size == rows && size == cols ? image : resized(image, size), "png", file.toFile());
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write images under " + dir, e);
        }
    }

    private static BufferedImage resized(BufferedImage image, int size) {
        BufferedImage out = new BufferedImage(size, size, image.getType());
        Graphics2D g = out.createGraphics();
        g.setRenderingHint(RenderingHints.KEY_INTERPOLATION, RenderingHints.VALUE_INTERPOLATION_BILINEAR);
        g.drawImage(image, 0, 0, size, size, null);
        g.dispose();
        return out;
    }

    private static Path existing(Path dir, String name) {
        Path gz = dir.resolve(name + ".gz");
        return Files.isRegularFile(gz) ? gz : dir.resolve(name);
    }
}
