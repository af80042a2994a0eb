package io.fedarch.cli;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;

/**
 * A benchmark: job files run one after the other on one local stack, so they share the broker,
 * the services, the data and the machine. A run is a job file, or a job file repeated over seeds
 * (each repetition runs the job with its seed replaced). {@code reference} names the run whose
 * final global validation accuracy the others are timed to.
 * <pre>
 * name: fednas-vs-fedavg
 * workers: 2
 * reference: fednas-dirichlet                  # optional
 * runs:                                        # relative to this file
 *   - fedavg-dirichlet.yaml                    # run fedavg-dirichlet
 *   - {job: fednas-dirichlet.yaml, seeds: [42, 7]}   # runs fednas-dirichlet-s42, fednas-dirichlet-s7
 * </pre>
 * {@code reference} may name a run or a job repeated over seeds (then its first seed's run).
 * {@code targetAccuracy} (instead of {@code reference}) times every run to a fixed global validation accuracy.
 * {@code workerSlowdowns} (experiments): one factor per worker, e.g. {@code [3.0, 1.0, 1.0]} makes worker-1
 * behave like a device 3 times slower (fedarch.worker.slowdown-factor); the command line's
 * {@code --worker-slowdowns} overrides it.
 * {@code runs} is the expanded list, one entry per run, in order.
 */
public record BenchFile(String name, int workers, List<BenchRun> runs, String reference, Double targetAccuracy,
                        List<Double> workerSlowdowns) {
    private static final List<String> SETTINGS = List.of("name", "workers", "runs", "reference", "targetAccuracy",
            "workerSlowdowns");
    private static final List<String> RUN_SETTINGS = List.of("job", "seeds");

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
            if (!SETTINGS.contains(key)) {
                throw new IllegalArgumentException(file + ": unknown setting '" + key + "' (expected "
                        + String.join(", ", SETTINGS) + ")");
            }
        }
        Path base = file.toAbsolutePath().getParent();
        List<BenchRun> runs = new ArrayList<>();
        Set<String> names = new HashSet<>();
        for (Object entry : listed) {
            for (BenchRun run : expand(file, base, entry)) {
                // Two runs of one name would write over each other's results directory.
                if (!names.add(run.name())) {
                    throw new IllegalArgumentException(file + ": run '" + run.name() + "' is listed twice");
                }
                runs.add(run);
            }
        }
        String name = String.valueOf(root.getOrDefault("name",
                file.getFileName().toString().replaceFirst("\\.ya?ml$", "")));
        int workers = ((Number) root.getOrDefault("workers", 2)).intValue();
        String reference = root.get("reference") == null ? null
                : resolveReference(file, String.valueOf(root.get("reference")), runs);
        Double target = null;
        if (root.get("targetAccuracy") != null) {
            if (!(root.get("targetAccuracy") instanceof Number number) || !(number.doubleValue() > 0)
                    || number.doubleValue() > 1) {
                throw new IllegalArgumentException(file + ": targetAccuracy must be a number in (0, 1], got "
                        + root.get("targetAccuracy"));
            }
            if (reference != null) {
                throw new IllegalArgumentException(file + ": give either 'reference' or 'targetAccuracy', not both");
            }
            target = number.doubleValue();
        }
        List<Double> slowdowns = new ArrayList<>();
        if (root.get("workerSlowdowns") != null) {
            if (!(root.get("workerSlowdowns") instanceof List<?> factors)) {
                throw new IllegalArgumentException(file + ": workerSlowdowns must be a list of factors, one per worker");
            }
            for (Object factor : factors) {
                if (!(factor instanceof Number number)) {
                    throw new IllegalArgumentException(file + ": worker slowdown '" + factor + "' is not a number");
                }
                slowdowns.add(number.doubleValue());
            }
            if (slowdowns.size() != workers) {
                throw new IllegalArgumentException(file + ": workerSlowdowns " + slowdowns + " has " + slowdowns.size()
                        + " factors for " + workers + " workers");
            }
        }
        return new BenchFile(name, workers, List.copyOf(runs), reference, target, List.copyOf(slowdowns));
    }

    /** One entry of 'runs:': a job file path, or {job: path, seeds: [..]}. */
    private static List<BenchRun> expand(Path file, Path base, Object entry) {
        if (!(entry instanceof Map<?, ?> settings)) {
            return List.of(BenchRun.of(jobFile(file, base, entry)));
        }
        for (Object key : settings.keySet()) {
            if (!RUN_SETTINGS.contains(String.valueOf(key))) {
                throw new IllegalArgumentException(file + ": unknown run setting '" + key + "' (expected "
                        + String.join(", ", RUN_SETTINGS) + ")");
            }
        }
        if (settings.get("job") == null) {
            throw new IllegalArgumentException(file + ": a run given as a map needs 'job:' (" + entry + ")");
        }
        Path job = jobFile(file, base, settings.get("job"));
        Object seeds = settings.get("seeds");
        if (seeds == null) {
            return List.of(BenchRun.of(job));
        }
        if (!(seeds instanceof List<?> listed) || listed.isEmpty()) {
            throw new IllegalArgumentException(file + ": 'seeds' of " + settings.get("job")
                    + " must be a non-empty list of integers");
        }
        List<BenchRun> runs = new ArrayList<>();
        for (Object seed : listed) {
            if (!(seed instanceof Integer || seed instanceof Long)) {
                throw new IllegalArgumentException(file + ": seed '" + seed + "' of " + settings.get("job")
                        + " is not an integer");
            }
            runs.add(BenchRun.withSeed(job, ((Number) seed).longValue()));
        }
        return runs;
    }

    private static Path jobFile(Path file, Path base, Object entry) {
        Path job = base.resolve(String.valueOf(entry)).normalize();
        if (!job.toFile().isFile()) {
            throw new IllegalArgumentException(file + ": job file " + job + " does not exist");
        }
        return job;
    }

    private static String resolveReference(Path file, String reference, List<BenchRun> runs) {
        for (BenchRun run : runs) {
            if (run.name().equals(reference)) {
                return reference;
            }
        }
        for (BenchRun run : runs) {
            if (run.repeatedOverSeeds() && run.jobName().equals(reference)) {
                return run.name();
            }
        }
        throw new IllegalArgumentException(file + ": reference '" + reference + "' is none of the runs "
                + runs.stream().map(BenchRun::name).toList());
    }
}
