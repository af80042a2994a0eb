package io.fedarch.core.data;

import java.io.BufferedInputStream;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.zip.GZIPInputStream;

/**
 * Reader for the IDX format of (Fashion-)MNIST: a big-endian magic number, the dimension sizes,
 * then unsigned bytes. Files ending in {@code .gz} are decompressed on the fly.
 */
public final class IdxFile {
    public static final int IMAGES_MAGIC = 0x00000803;
    public static final int LABELS_MAGIC = 0x00000801;

    /** Images as unsigned bytes, {@code count × rows × cols}, row-major. */
    public record Images(int count, int rows, int cols, byte[] pixels) {
    }

    private IdxFile() {
    }

    /** Reads at most {@code limit} images (all when limit is null). */
    public static Images readImages(Path file, Integer limit) {
        try (DataInputStream in = open(file)) {
            int magic = in.readInt();
            requireMagic(file, magic, IMAGES_MAGIC, "images");
            int count = in.readInt();
            int rows = in.readInt();
            int cols = in.readInt();
            if (count < 0 || rows <= 0 || cols <= 0) {
                throw new IllegalArgumentException(file + ": invalid image dimensions " + count + "x" + rows + "x" + cols);
            }
            int n = limit == null ? count : Math.min(count, limit);
            byte[] pixels = new byte[Math.multiplyExact(Math.multiplyExact(n, rows), cols)];
            readFully(in, pixels, file);
            return new Images(n, rows, cols, pixels);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read IDX images from " + file, e);
        }
    }

    /** Reads at most {@code limit} labels (all when limit is null). */
    public static int[] readLabels(Path file, Integer limit) {
        try (DataInputStream in = open(file)) {
            int magic = in.readInt();
            requireMagic(file, magic, LABELS_MAGIC, "labels");
            int count = in.readInt();
            if (count < 0) {
                throw new IllegalArgumentException(file + ": negative label count " + count);
            }
            int n = limit == null ? count : Math.min(count, limit);
            byte[] raw = new byte[n];
            readFully(in, raw, file);
            int[] labels = new int[n];
            for (int i = 0; i < n; i++) {
                labels[i] = raw[i] & 0xff;
            }
            return labels;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read IDX labels from " + file, e);
        }
    }

    private static DataInputStream open(Path file) throws IOException {
        InputStream raw = new BufferedInputStream(Files.newInputStream(file), 1 << 16);
        InputStream in = file.getFileName().toString().endsWith(".gz") ? new GZIPInputStream(raw, 1 << 16) : raw;
        return new DataInputStream(in);
    }

    private static void requireMagic(Path file, int actual, int expected, String kind) {
        if (actual != expected) {
            throw new IllegalArgumentException(String.format(
                    "%s is not an IDX %s file: magic 0x%08x, expected 0x%08x", file, kind, actual, expected));
        }
    }

    private static void readFully(DataInputStream in, byte[] target, Path file) throws IOException {
        try {
            in.readFully(target);
        } catch (EOFException e) {
            throw new IllegalArgumentException(file + " is truncated: expected " + target.length + " data bytes", e);
        }
    }
}
