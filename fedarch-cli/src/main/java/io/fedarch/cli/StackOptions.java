package io.fedarch.cli;

import java.nio.file.Path;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;

/**
 * How to lay out a local fedarch stack.
 *
 * @param home    the repository root, where each service's target/quarkus-app lives
 * @param runDir  where logs, broker data and model artifacts of this run go
 * @param workers how many worker processes share the client tasks
 * @param dataDir Fashion-MNIST directory handed to workers and the pruning service
 */
public record StackOptions(Path home, Path runDir, int workers, Path dataDir) {
    public StackOptions {
        if (workers < 1) {
            throw new IllegalArgumentException("at least one worker is needed, got " + workers);
        }
    }

    /**
     * Reads {@code --workers N --run-dir DIR --data-dir DIR}; the run directory defaults to
     * {@code <home>/runs/<time>-<name>} with home from the {@code fedarch.home} property.
     */
    public static StackOptions parse(List<String> flags, int defaultWorkers, String name) {
        Path home = Path.of(System.getProperty("fedarch.home", ".")).toAbsolutePath().normalize();
        String stamp = LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss"));
        Path runDir = home.resolve("runs").resolve(stamp + "-" + name);
        Path dataDir = DatasetCheck.DEFAULT_DIR;
        int workers = defaultWorkers;
        Deque<String> rest = new ArrayDeque<>(flags);
        while (!rest.isEmpty()) {
            String flag = rest.removeFirst();
            if (rest.isEmpty()) {
                throw new IllegalArgumentException(flag + " needs a value");
            }
            String value = rest.removeFirst();
            switch (flag) {
                case "--workers" -> workers = Integer.parseInt(value);
                case "--run-dir" -> runDir = Path.of(value).toAbsolutePath();
                case "--data-dir" -> dataDir = Path.of(value).toAbsolutePath();
                default -> throw new IllegalArgumentException("unknown option " + flag);
            }
        }
        return new StackOptions(home, runDir, workers, dataDir);
    }

    public Path modelsDir() {
        return runDir.resolve("models");
    }

    public Path logsDir() {
        return runDir.resolve("logs");
    }
}
