package io.fedarch.cli;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The results section of jobs repeated over seeds: how much of a difference between runs the
 * seed alone makes. Per job, sample statistics of the global test accuracy and of the mean
 * personalized accuracy over its seeds (runs that produced no model are left out of n).
 */
final class SeedVarianceSection {
    private static final Map<String, String> METRICS = Map.of(
            "testAccuracy", "global test acc", "meanPersonalizedAccuracy", "mean personalized acc");

    private SeedVarianceSection() {
    }

    /** The section, or "" when no job is repeated over seeds. */
    static String markdown(List<Map<String, Object>> rows) {
        Map<String, List<Map<String, Object>>> groups = groups(rows);
        if (groups.isEmpty()) {
            return "";
        }
        List<List<String>> table = new ArrayList<>();
        groups.forEach((job, runs) -> {
            String seeds = String.join(", ", runs.stream().map(r -> String.valueOf(r.get("seed"))).toList());
            for (String key : List.of("testAccuracy", "meanPersonalizedAccuracy")) {
                SampleStatistics s = statistics(runs, key);
                table.add(List.of(job, seeds, METRICS.get(key), Integer.toString(s.n()), format(s.mean()),
                        format(s.std()), format(s.min()), format(s.max())));
            }
        });
        return "\n## Seed variance\n\nJobs run once per seed (nothing else differs): sample statistics over the seeds "
                + "(std with n - 1; empty for n < 2).\n\n"
                + MarkdownTable.render(List.of("job", "seeds", "metric", "n", "mean", "sample std", "min", "max"), table);
    }

    /** The runs of each job repeated over seeds, in benchmark order. */
    static Map<String, List<Map<String, Object>>> groups(List<Map<String, Object>> rows) {
        Map<String, List<Map<String, Object>>> groups = new LinkedHashMap<>();
        for (Map<String, Object> row : rows) {
            if (row.get("seedGroup") != null) {
                groups.computeIfAbsent(String.valueOf(row.get("seedGroup")), g -> new ArrayList<>()).add(row);
            }
        }
        return groups;
    }

    static SampleStatistics statistics(List<Map<String, Object>> runs, String key) {
        List<Double> values = new ArrayList<>();
        for (Map<String, Object> run : runs) {
            if (run.get(key) instanceof Number n && !Double.isNaN(n.doubleValue())) {
                values.add(n.doubleValue());
            }
        }
        return SampleStatistics.of(values);
    }

    private static String format(double value) {
        return Double.isNaN(value) ? "" : String.format(Locale.ROOT, "%.4f", value);
    }
}
