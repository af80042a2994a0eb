package io.fedarch.cli;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import io.fedarch.events.ArchitectureMask;
import io.fedarch.events.GlobalModel;
import io.fedarch.events.JobSpec;

/** Benchmark runs made of synthetic events, written the way `fedarch bench` writes them. */
final class BenchRuns {
    private BenchRuns() {
    }

    /**
     * Writes {@code dir/<run>/} with {@link RunReport} and returns the run's results row as
     * {@code Main.bench} builds it. Round r ends r seconds after submission with accuracy accuracies[r-1].
     */
    static Map<String, Object> write(Path dir, String run, String seedGroup, double[] accuracies,
                                     List<ArchitectureMask> masks, double testAccuracy, Map<String, Double> metrics) {
        JobSpec spec = SyntheticEvents.fedMetaNasSpec();
        List<GlobalModel> rounds = new java.util.ArrayList<>();
        for (int r = 1; r <= accuracies.length; r++) {
            rounds.add(SyntheticEvents.round(SyntheticEvents.JOB, r, accuracies.length, r * 1000L, accuracies[r - 1]));
        }
        long wallMs = accuracies.length * 1000L + 500;
        JobOutcome outcome = new JobOutcome(SyntheticEvents.JOB, SyntheticEvents.SUBMITTED, rounds, List.of(), masks,
                SyntheticEvents.completion(spec, accuracies.length * 1000L),
                List.of(SyntheticEvents.globalModel(testAccuracy, metrics)), List.of(), wallMs);
        RunReport.write(dir.resolve(run), spec, outcome, 2);
        Map<String, Object> row = new LinkedHashMap<>();
        row.put("run", run);
        row.put("jobName", seedGroup == null ? run : seedGroup);
        row.put("seed", spec.getSeed());
        if (seedGroup != null) {
            row.put("seedGroup", seedGroup);
        }
        row.put("partition", "iid");
        row.putAll(RunReport.summary(spec, outcome, 2));
        return row;
    }
}
