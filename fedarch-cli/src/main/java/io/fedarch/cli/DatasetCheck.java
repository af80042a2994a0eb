package io.fedarch.cli;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * Fails fast, before anything starts, when neither the Fashion-MNIST files nor an image folder
 * ({@code train/<class>/...}, docs/data.md) are where the services will look.
 */
final class DatasetCheck {
    static final Path DEFAULT_DIR = Path.of("/usr/share/datasets/fashion-mnist");
    private static final List<String> FILES = List.of("train-images-idx3-ubyte", "train-labels-idx1-ubyte",
            "t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte");

    private DatasetCheck() {
    }

    static void requirePresent(Path dir) {
        if (Files.isDirectory(dir.resolve("train"))) {
            return; // an image folder: its images are checked when a job reads them
        }
        for (String file : FILES) {
            if (!Files.isRegularFile(dir.resolve(file + ".gz")) && !Files.isRegularFile(dir.resolve(file))) {
                throw new IllegalStateException("Fashion-MNIST file " + file + "(.gz) not found in " + dir
                        + "; install it with: apt-get install -y dataset-fashion-mnist (or pass --data-dir, which may"
                        + " also name an image folder: train/<class>/*.png, see docs/data.md)");
            }
        }
    }
}
