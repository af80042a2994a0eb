package io.fedarch.cli;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.Map;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;

import io.fedarch.events.JobSpec;
import io.fedarch.events.spec.JobSpecReader;

/**
 * A job file: {@code job:} holds the JobSpec settings (the .avsc field names), {@code local:} how
 * to run it on this machine (e.g. {@code workers: 2}).
 */
public record JobFile(JobSpec spec, int workers, long timeoutSeconds) {

    public static JobFile read(Path file) {
        Map<String, Object> root;
        try {
            root = new ObjectMapper(new YAMLFactory()).readValue(file.toFile(), Map.class);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read job file " + file + ": " + e.getMessage(), e);
        }
        if (root == null || !(root.get("job") instanceof Map)) {
            throw new IllegalArgumentException(file + ": expected a 'job:' section with the job's settings");
        }
        for (String key : root.keySet()) {
            if (!key.equals("job") && !key.equals("local")) {
                throw new IllegalArgumentException(file + ": unknown section '" + key + "' (expected job, local)");
            }
        }
        @SuppressWarnings("unchecked")
        Map<String, Object> local = root.get("local") instanceof Map ? (Map<String, Object>) root.get("local") : Map.of();
        for (String key : local.keySet()) {
            if (!key.equals("workers") && !key.equals("timeoutSeconds")) {
                throw new IllegalArgumentException(file + ": unknown setting 'local." + key
                        + "' (expected workers, timeoutSeconds)");
            }
        }
        @SuppressWarnings("unchecked")
        JobSpec spec = JobSpecReader.fromMap((Map<String, Object>) root.get("job"));
        int workers = ((Number) local.getOrDefault("workers", 1)).intValue();
        long timeout = ((Number) local.getOrDefault("timeoutSeconds", 1800)).longValue();
        return new JobFile(spec, workers, timeout);
    }
}
