package io.fedarch.cli;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;

/**
 * A benchmark: job files run one after the other on one local stack, so they share the broker,
 * the services, the data and the machine.
 * <pre>
 * name: fednas-vs-fedavg
 * workers: 2
 * runs: [fedavg-dirichlet.yaml, fednas-dirichlet.yaml]   # relative to this file
 * </pre>
 */
public record BenchFile(String name, int workers, List<Path> runs) {

    public static BenchFile read(Path file) {
        Map<String, Object> root;
        try {
            root = new ObjectMapper(new YAMLFactory()).readValue(file.toFile(), Map.class);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read benchmark file " + file + ": " + e.getMessage(), e);
        }
        if (root == null || !(root.get("runs") instanceof List<?> listed) || listed.isEmpty()) {
            throw new IllegalArgumentException(file + ": expected 'runs:' listing job files");
        }
        for (String key : root.keySet()) {
            if (!List.of("name", "workers", "runs").contains(key)) {
                throw new IllegalArgumentException(file + ": unknown setting '" + key + "' (expected name, workers, runs)");
            }
        }
        Path base = file.toAbsolutePath().getParent();
        List<Path> runs = new ArrayList<>();
        for (Object entry : listed) {
            Path job = base.resolve(String.valueOf(entry)).normalize();
            if (!job.toFile().isFile()) {
                throw new IllegalArgumentException(file + ": job file " + job + " does not exist");
            }
            runs.add(job);
        }
        String name = String.valueOf(root.getOrDefault("name",
                file.getFileName().toString().replaceFirst("\\.ya?ml$", "")));
        int workers = ((Number) root.getOrDefault("workers", 2)).intValue();
        return new BenchFile(name, workers, runs);
    }
}
