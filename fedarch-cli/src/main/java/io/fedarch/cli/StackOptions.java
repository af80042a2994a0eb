package io.fedarch.cli;

import java.nio.file.Path;

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

    public Path modelsDir() {
        return runDir.resolve("models");
    }

    public Path logsDir() {
        return runDir.resolve("logs");
    }
}
