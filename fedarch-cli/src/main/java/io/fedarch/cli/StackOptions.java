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
 * @param workerSlowdowns experiments only: worker i (1-based) behaves like a device {@code workerSlowdowns[i-1]}
 *                        times slower ({@code fedarch.worker.slowdown-factor}); empty = all at full speed
 */
public record StackOptions(Path home, Path runDir, int workers, Path dataDir, List<Double> workerSlowdowns) {
    public StackOptions {
        if (workers < 1) {
            throw new IllegalArgumentException("at least one worker is needed, got " + workers);
        }
        workerSlowdowns = List.copyOf(workerSlowdowns);
        if (!workerSlowdowns.isEmpty() && workerSlowdowns.size() != workers) {
            throw new IllegalArgumentException("worker slowdowns " + workerSlowdowns + " name " + workerSlowdowns.size()
                    + " workers but the stack has " + workers + "; give one factor per worker");
        }
        for (double factor : workerSlowdowns) {
            if (!(factor >= 1.0) || Double.isInfinite(factor)) {
                throw new IllegalArgumentException("a worker slowdown must be a finite factor >= 1.0 (1.0 = full speed), got "
                        + factor);
            }
        }
    }

    public StackOptions(Path home, Path runDir, int workers, Path dataDir) {
        this(home, runDir, workers, dataDir, List.of());
    }

    /** The slowdown factor of worker {@code index} (1-based); 1.0 when none is set. */
    public double slowdown(int index) {
        return workerSlowdowns.isEmpty() ? 1.0 : workerSlowdowns.get(index - 1);
    }

    /** These options with the given slowdowns, unless the command line set its own. */
    public StackOptions withDefaultSlowdowns(List<Double> slowdowns) {
        return workerSlowdowns.isEmpty() && !slowdowns.isEmpty()
                ? new StackOptions(home, runDir, workers, dataDir, slowdowns) : this;
    }

    /**
     * Reads {@code --workers N --run-dir DIR --data-dir DIR --worker-slowdowns F1,F2,..}; the run directory defaults to
     * {@code <home>/runs/<time>-<name>} with home from the {@code fedarch.home} property.
     */
    public static StackOptions parse(List<String> flags, int defaultWorkers, String name) {
        Path home = Path.of(System.getProperty("fedarch.home", ".")).toAbsolutePath().normalize();
        String stamp = LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss"));
        Path runDir = home.resolve("runs").resolve(stamp + "-" + name);
        Path dataDir = DatasetCheck.DEFAULT_DIR;
        int workers = defaultWorkers;
        List<Double> slowdowns = List.of();
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
                case "--worker-slowdowns" -> slowdowns = parseSlowdowns(value);
                default -> throw new IllegalArgumentException("unknown option " + flag);
            }
        }
        return new StackOptions(home, runDir, workers, dataDir, slowdowns);
    }

    private static List<Double> parseSlowdowns(String value) {
        try {
            return java.util.Arrays.stream(value.split(",")).map(String::trim).map(Double::valueOf).toList();
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("--worker-slowdowns expects comma-separated factors like 3,1,1; got '"
                    + value + "'", e);
        }
    }

    public Path modelsDir() {
        return runDir.resolve("models");
    }

    public Path logsDir() {
        return runDir.resolve("logs");
    }
}
