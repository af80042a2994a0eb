package io.fedarch.cli;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.OptionalDouble;
import java.util.Set;

/**
 * The results of a benchmark, from the runs' summaries ({@link RunReport#summary}) and their
 * rounds.csv files in {@code dir/<run>/}: results.csv, results.md (the table, then the seed
 * variance, time-to-reference and pruning sections that apply) and the accuracy-vs-wall-time
 * chart. Rewritten after every run, so an interrupted benchmark keeps what it measured.
 */
final class BenchTable {
    /**
     * Markdown title (null: CSV only), CSV header, summary key ('a.b' reads key b of map a), format.
     * CSV headers of the first columns are their titles with '_' for ' ', as before.
     */
    private record Column(String title, String csvName, String key, String format) {
        static Column of(String title, String key, String format) {
            return new Column(title, title.replace(' ', '_'), key, format);
        }
    }

    private static final List<Column> COLUMNS = List.of(
            Column.of("run", "run", "%s"),
            Column.of("algorithm", "algorithm", "%s"),
            Column.of("partition", "partition", "%s"),
            Column.of("global test acc", "testAccuracy", "%.4f"),
            Column.of("mean personalized acc", "meanPersonalizedAccuracy", "%.4f"),
            Column.of("parameters", "parameterCount", "%d"),
            Column.of("MACs", "macs", "%d"),
            Column.of("wall s", "wallSeconds", "%.1f"),
            Column.of("rounds", "rounds", "%d"),
            Column.of("fine-tune rounds", "fineTuneRounds", "%d"),
            Column.of("bytes per client-round", "bytesPerClientUpdate", "%d"),
            Column.of("task bytes per client-round", "bytesPerClientTask", "%d"),
            Column.of("ms per local step", "computeMsPerStep", "%.0f"),
            Column.of("mean round s", "meanRoundSeconds", "%.1f"),
            new Column("search s", "search_s", "searchSeconds", "%.1f"),
            new Column("relaxed→discrete gap", "discretization_gap", "modelMetrics.discretizationGap", "%.4f"),
            new Column(null, "job", "jobName", "%s"),
            new Column(null, "seed", "seed", "%d"),
            new Column(null, "relaxed_supernet_test_acc", "modelMetrics.relaxedSupernetTestAccuracy", "%.4f"),
            new Column(null, "mask_rounds", "maskRounds", "%d"),
            new Column(null, "final_active_operations", "finalActiveOperations", "%d"),
            new Column(null, "final_total_operations", "finalTotalOperations", "%d"),
            new Column(null, "time_to_reference_s", "timeToReferenceSeconds", "%.1f"));

    private BenchTable() {
    }

    /** {@code referenceRun}: the run the time-to-reference section and the chart measure against, or null. */
    static void write(Path dir, String name, String command, List<Map<String, Object>> rows, String referenceRun) {
        write(dir, name, command, rows, referenceRun, null);
    }

    /** {@code targetAccuracy}: when not null, runs are timed to it instead of to a reference run. */
    static void write(Path dir, String name, String command, List<Map<String, Object>> rows, String referenceRun,
                      Double targetAccuracy) {
        Map<String, List<RoundsCsv.Row>> rounds = new LinkedHashMap<>();
        for (Map<String, Object> row : rows) {
            String run = String.valueOf(row.get("run"));
            rounds.put(run, RoundsCsv.read(dir.resolve(run).resolve("rounds.csv")));
        }
        OptionalDouble reference = targetAccuracy != null ? OptionalDouble.of(targetAccuracy)
                : referenceRun == null ? OptionalDouble.empty()
                : TimeToReference.referenceAccuracy(rounds.getOrDefault(referenceRun, List.of()));
        List<Map<String, Object>> measured = new ArrayList<>();
        for (Map<String, Object> row : rows) {
            Map<String, Object> copy = new LinkedHashMap<>(row);
            reference.ifPresent(accuracy -> TimeToReference
                    .firstReaching(rounds.get(String.valueOf(row.get("run"))), accuracy)
                    .ifPresent(reached -> copy.put("timeToReferenceSeconds", reached.elapsedMs() / 1000.0)));
            measured.add(copy);
        }

        List<String> csv = new ArrayList<>();
        csv.add(String.join(",", COLUMNS.stream().map(c -> Csv.field(c.csvName())).toList()));
        for (Map<String, Object> row : measured) {
            csv.add(String.join(",", COLUMNS.stream().map(c -> Csv.field(cell(row, c))).toList()));
        }
        List<Column> shown = COLUMNS.stream().filter(c -> c.title() != null).toList();
        StringBuilder md = new StringBuilder();
        md.append("# ").append(name).append("\n\n");
        md.append("Produced by `").append(command).append("` on ").append(java.time.LocalDate.now())
                .append(" (").append(Runtime.getRuntime().availableProcessors()).append(" cores).\n\n");
        md.append(MarkdownTable.render(shown.stream().map(Column::title).toList(),
                measured.stream().map(row -> shown.stream().map(c -> cell(row, c)).toList()).toList()));
        md.append("\nGlobal accuracy: the delivered global model on the held-out test set. Personalized accuracy: "
                + "each client's adapted model on its own local test split (test images dealt to clients in "
                + "proportion to their training labels), averaged over clients. ms per local step: client compute "
                + "divided by optimiser steps (for FedNAS one step updates alpha and w). Bytes per client-round: "
                + "mean encoded update of the search (or training) rounds. search s: the run's search (or training) job "
                + "from acceptance to its last aggregate. relaxed→discrete gap: the global model's "
                + "discretizationGap metric, between the relaxed supernet's test accuracy and the discretized "
                + "network's, for a model exported without retraining (FedMetaNAS).\n");
        for (Map<String, Object> row : measured) {
            if (row.get("genotype") != null) {
                md.append("\n").append(row.get("run")).append(" genotype: `").append(row.get("genotype")).append("`\n");
            }
        }
        md.append("\n## Accuracy vs wall time\n\n![global validation accuracy vs wall time](")
                .append(AccuracyWallPlot.FILE_NAME).append(")\n\nOne line per run: the global model's validation "
                        + "accuracy after each round (search, then fine-tuning), against seconds since the run was "
                        + "submitted; the dot is the final test accuracy when the run finished. Runs repeated over "
                        + "seeds are drawn for their first seed only.\n");
        md.append(SeedVarianceSection.markdown(measured));
        md.append(targetAccuracy != null ? TimeToReference.markdownForTarget(targetAccuracy, measured, rounds)
                : TimeToReference.markdown(referenceRun, measured, rounds));
        md.append(PruningComputeSection.markdown(dir, measured, rounds));
        String svg = AccuracyWallPlot.svg(plotted(measured, rounds),
                reference.isPresent() ? reference.getAsDouble() : null,
                targetAccuracy != null ? "target" : referenceRun);
        try {
            Files.createDirectories(dir);
            Files.write(dir.resolve("results.csv"), csv);
            Files.writeString(dir.resolve("results.md"), md.toString());
            Files.writeString(dir.resolve(AccuracyWallPlot.FILE_NAME), svg);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the benchmark table to " + dir, e);
        }
    }

    /** A line per run, the first seed only of a job repeated over seeds (more would hide each other). */
    static List<AccuracyWallPlot.Series> plotted(List<Map<String, Object>> rows, Map<String, List<RoundsCsv.Row>> rounds) {
        List<AccuracyWallPlot.Series> series = new ArrayList<>();
        Set<Object> seedGroupsDrawn = new HashSet<>();
        for (Map<String, Object> row : rows) {
            if (row.get("seedGroup") != null && !seedGroupsDrawn.add(row.get("seedGroup"))) {
                continue;
            }
            String run = String.valueOf(row.get("run"));
            List<AccuracyWallPlot.Point> points = rounds.getOrDefault(run, List.of()).stream()
                    .filter(r -> r.elapsedMs() != null)
                    .map(r -> new AccuracyWallPlot.Point(r.elapsedMs() / 1000.0, r.globalValidationAccuracy()))
                    .toList();
            AccuracyWallPlot.Point result = row.get("wallSeconds") instanceof Number wall
                    && row.get("testAccuracy") instanceof Number accuracy && !Double.isNaN(accuracy.doubleValue())
                    ? new AccuracyWallPlot.Point(wall.doubleValue(), accuracy.doubleValue()) : null;
            series.add(new AccuracyWallPlot.Series(run, points, result));
        }
        return series;
    }

    private static String cell(Map<String, Object> row, Column column) {
        Object value = value(row, column.key());
        if (value == null) {
            return "";
        }
        if (value instanceof Double d && d.isNaN()) {
            return "";
        }
        if (column.format().equals("%d") && value instanceof Number n) {
            return Long.toString(n.longValue());
        }
        if (column.format().endsWith("f") && value instanceof Number n) {
            return String.format(Locale.ROOT, column.format(), n.doubleValue());
        }
        return String.format(Locale.ROOT, column.format(), value);
    }

    private static Object value(Map<String, Object> row, String key) {
        int dot = key.indexOf('.');
        if (dot < 0) {
            return row.get(key);
        }
        return row.get(key.substring(0, dot)) instanceof Map<?, ?> nested ? nested.get(key.substring(dot + 1)) : null;
    }
}
