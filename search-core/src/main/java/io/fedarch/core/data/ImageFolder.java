package io.fedarch.core.data;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.TreeSet;
import java.util.stream.Stream;

import javax.imageio.ImageIO;

/**
 * Loads a split of an image-folder dataset: {@code <dir>/train/<class>/*.png|jpg|jpeg} and
 * {@code <dir>/test/<class>/...}, one directory per class. Classes are the sorted names of the class
 * directories of both splits together (so every silo holding the same class directories, empty ones
 * included, labels alike); images of any size and channel count are converted to the requested
 * channels (grey replicated to RGB, RGB to grey by luminance, alpha dropped), resized bilinearly to
 * the requested height × width, scaled to [0,1] and normalised like {@link FashionMnist}.
 * <p>
 * Samples are ordered round-robin over the classes (each class's files by name), so a split's first
 * N images — what a job's trainLimit/testLimit keep — cover the classes evenly. Loaded splits are
 * cached like {@link FashionMnist}'s.
 */
public final class ImageFolder {
    /** Channel counts an image can be converted to. */
    public static final List<Integer> SUPPORTED_CHANNELS = List.of(1, 3);

    private static final int CACHE_ENTRIES = 4;
    private static final Map<CacheKey, ImageDataset> CACHE = new LinkedHashMap<>(8, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<CacheKey, ImageDataset> eldest) {
            return size() > CACHE_ENTRIES;
        }
    };

    private record CacheKey(Path dir, FashionMnist.Split split, int channels, int height, int width, Integer limit) {
    }

    private ImageFolder() {
    }

    /** The directory of a split inside an image-folder dataset. */
    public static Path splitDir(Path dir, FashionMnist.Split split) {
        return dir.resolve(split == FashionMnist.Split.TRAIN ? "train" : "test");
    }

    /** True when {@code dir} holds the split's directory. */
    public static boolean isPresent(Path dir, FashionMnist.Split split) {
        return Files.isDirectory(splitDir(dir, split));
    }

    /**
     * The split's first {@code limit} images (all when null) as {@code channels × height × width}.
     * The returned arrays are shared through the cache: callers must not modify them.
     *
     * @throws IllegalArgumentException for a missing split, no images, an unreadable image or an unsupported shape
     */
    public static ImageDataset load(Path dir, FashionMnist.Split split, int channels, int height, int width,
            Integer limit) {
        Objects.requireNonNull(dir, "dir");
        Objects.requireNonNull(split, "split");
        if (!SUPPORTED_CHANNELS.contains(channels)) {
            throw new IllegalArgumentException("input channels must be one of " + SUPPORTED_CHANNELS + ", got " + channels);
        }
        if (height <= 0 || width <= 0) {
            throw new IllegalArgumentException("input height and width must be positive, got " + height + "x" + width);
        }
        if (limit != null && limit <= 0) {
            throw new IllegalArgumentException("limit must be positive, got " + limit);
        }
        CacheKey key = new CacheKey(dir.toAbsolutePath().normalize(), split, channels, height, width, limit);
        synchronized (CACHE) {
            ImageDataset cached = CACHE.get(key);
            if (cached == null) {
                cached = read(key);
                CACHE.put(key, cached);
            }
            return cached;
        }
    }

    /** The class names of the dataset in {@code dir}, in label order. */
    public static List<String> classes(Path dir) {
        TreeSet<String> names = new TreeSet<>();
        for (FashionMnist.Split split : FashionMnist.Split.values()) {
            Path splitDir = splitDir(dir, split);
            if (Files.isDirectory(splitDir)) {
                try (Stream<Path> entries = Files.list(splitDir)) {
                    entries.filter(Files::isDirectory).map(p -> p.getFileName().toString())
                            .filter(n -> !n.startsWith(".")).forEach(names::add);
                } catch (IOException e) {
                    throw new IllegalArgumentException("cannot list " + splitDir + ": " + e.getMessage(), e);
                }
            }
        }
        return List.copyOf(names);
    }

    private static ImageDataset read(CacheKey key) {
        Path splitDir = splitDir(key.dir(), key.split());
        if (!Files.isDirectory(splitDir)) {
            throw new IllegalArgumentException("image folder " + key.dir() + " has no " + splitDir.getFileName()
                    + "/ directory: expected " + splitDir.getFileName() + "/<class>/*.png|*.jpg|*.jpeg");
        }
        List<String> classes = classes(key.dir());
        List<List<Path>> byClass = new ArrayList<>();
        for (String name : classes) {
            byClass.add(imageFiles(splitDir.resolve(name)));
        }
        List<Path> files = new ArrayList<>();
        List<Integer> labels = new ArrayList<>();
        int limit = key.limit() == null ? Integer.MAX_VALUE : key.limit();
        for (int i = 0; files.size() < limit; i++) {
            boolean any = false;
            for (int c = 0; c < byClass.size() && files.size() < limit; c++) {
                if (i < byClass.get(c).size()) {
                    files.add(byClass.get(c).get(i));
                    labels.add(c);
                    any = true;
                }
            }
            if (!any) {
                break;
            }
        }
        if (files.isEmpty()) {
            throw new IllegalArgumentException("image folder " + splitDir + " holds no .png, .jpg or .jpeg images in"
                    + " class directories");
        }
        int per = key.channels() * key.height() * key.width();
        float[] pixels = new float[Math.multiplyExact(files.size(), per)];
        for (int i = 0; i < files.size(); i++) {
            float[] image = ImageConversion.toTensor(decode(files.get(i)), key.channels(), key.height(), key.width());
            for (int j = 0; j < per; j++) {
                pixels[i * per + j] = (image[j] - FashionMnist.MEAN) / FashionMnist.STD;
            }
        }
        return new ImageDataset(pixels, labels.stream().mapToInt(Integer::intValue).toArray(), key.channels(),
                key.height(), key.width(), classes.size());
    }

    private static List<Path> imageFiles(Path classDir) {
        if (!Files.isDirectory(classDir)) {
            return List.of();
        }
        try (Stream<Path> entries = Files.list(classDir)) {
            return entries.filter(Files::isRegularFile).filter(ImageFolder::isImage).sorted().toList();
        } catch (IOException e) {
            throw new IllegalArgumentException("cannot list " + classDir + ": " + e.getMessage(), e);
        }
    }

    private static boolean isImage(Path file) {
        String name = file.getFileName().toString().toLowerCase(Locale.ROOT);
        return !name.startsWith(".") && (name.endsWith(".png") || name.endsWith(".jpg") || name.endsWith(".jpeg"));
    }

    private static BufferedImage decode(Path file) {
        try {
            BufferedImage image = ImageIO.read(file.toFile());
            if (image == null) {
                throw new IllegalArgumentException(file + " is not a PNG or JPEG image this JVM can decode");
            }
            return image;
        } catch (IOException e) {
            throw new IllegalArgumentException("cannot decode " + file + ": " + e.getMessage(), e);
        }
    }
}
