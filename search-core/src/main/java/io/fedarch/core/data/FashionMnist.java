package io.fedarch.core.data;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * Loads Fashion-MNIST (or any directory laid out like it) as normalised 1×28×28 images.
 * Loaded datasets are cached per (directory, split, limit) because every task of a job needs the
 * same arrays and parsing 60k gzipped images costs about a second.
 */
public final class FashionMnist {
    /** Where the Debian package dataset-fashion-mnist installs the files. */
    public static final Path DEFAULT_DIR = Path.of("/usr/share/datasets/fashion-mnist");
    public static final int CLASSES = 10;
    /** Statistics of the training set's [0,1] pixels, the usual Fashion-MNIST normalisation. */
    public static final float MEAN = 0.2860f;
    public static final float STD = 0.3530f;

    private static final int CACHE_ENTRIES = 4;
    private static final Map<CacheKey, ImageDataset> CACHE = new LinkedHashMap<>(8, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<CacheKey, ImageDataset> eldest) {
            return size() > CACHE_ENTRIES;
        }
    };

    public enum Split {
        TRAIN("train"), TEST("t10k");

        private final String filePrefix;

        Split(String filePrefix) {
            this.filePrefix = filePrefix;
        }

        public String imagesFile() {
            return filePrefix + "-images-idx3-ubyte";
        }

        public String labelsFile() {
            return filePrefix + "-labels-idx1-ubyte";
        }
    }

    private record CacheKey(Path dir, Split split, Integer limit) {
    }

    private FashionMnist() {
    }

    /**
     * The split's first {@code limit} samples (all when null). The returned arrays are shared
     * through the cache: callers must not modify them ({@link ImageDataset#select} copies).
     *
     * @throws IllegalArgumentException when a file is missing or malformed
     */
    public static ImageDataset load(Path dir, Split split, Integer limit) {
        Objects.requireNonNull(dir, "dir");
        Objects.requireNonNull(split, "split");
        if (limit != null && limit <= 0) {
            throw new IllegalArgumentException("limit must be positive, got " + limit);
        }
        CacheKey key = new CacheKey(dir.toAbsolutePath().normalize(), split, limit);
        synchronized (CACHE) {
            ImageDataset cached = CACHE.get(key);
            if (cached == null) {
                cached = read(key.dir(), split, limit);
                CACHE.put(key, cached);
            }
            return cached;
        }
    }

    /** The split's first {@code limit} labels (all when null), without reading the images. */
    public static int[] labels(Path dir, Split split, Integer limit) {
        return IdxFile.readLabels(require(dir, split.labelsFile()), limit);
    }

    /** True when both files of the split exist in {@code dir}, gzipped or not. */
    public static boolean isPresent(Path dir, Split split) {
        return existing(dir, split.imagesFile()) != null && existing(dir, split.labelsFile()) != null;
    }

    private static ImageDataset read(Path dir, Split split, Integer limit) {
        IdxFile.Images images = IdxFile.readImages(require(dir, split.imagesFile()), limit);
        int[] labels = IdxFile.readLabels(require(dir, split.labelsFile()), limit);
        if (labels.length != images.count()) {
            throw new IllegalArgumentException(dir + ": " + split + " has " + images.count() + " images but "
                    + labels.length + " labels");
        }
        for (int label : labels) {
            if (label >= CLASSES) {
                throw new IllegalArgumentException(dir + ": label " + label + " outside 0.." + (CLASSES - 1));
            }
        }
        byte[] raw = images.pixels();
        float[] pixels = new float[raw.length];
        for (int i = 0; i < raw.length; i++) {
            pixels[i] = ((raw[i] & 0xff) / 255f - MEAN) / STD;
        }
        return new ImageDataset(pixels, labels, 1, images.rows(), images.cols(), CLASSES);
    }

    private static Path require(Path dir, String name) {
        Path found = existing(dir, name);
        if (found == null) {
            throw new IllegalArgumentException("missing " + dir.resolve(name + ".gz") + " (or " + name
                    + " uncompressed); install the Debian package dataset-fashion-mnist"
                    + " (apt-get install dataset-fashion-mnist) or point the data directory elsewhere");
        }
        return found;
    }

    private static Path existing(Path dir, String name) {
        Path gz = dir.resolve(name + ".gz");
        if (Files.isRegularFile(gz)) {
            return gz;
        }
        Path plain = dir.resolve(name);
        return Files.isRegularFile(plain) ? plain : null;
    }
}
